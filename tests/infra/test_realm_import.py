"""The KeycloakRealmImport is generated from infra/keycloak/realm-gip.json and stays equal to it."""

from __future__ import annotations


def test_generated_realm_import_is_up_to_date(infra):
    infra.realm()  # fails with a clear message if the realm file is missing
    proc = infra.run(
        [str(infra.root / ".venv/bin/python"), "infra/k8s/render_realm_import.py", "--check"]
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_rendered_realm_import_equals_the_realm_file(infra, dev_docs):
    [realm_import] = [d for d in dev_docs if d["kind"] == "KeycloakRealmImport"]
    assert realm_import["spec"]["realm"] == infra.realm()
    keycloaks = {d["metadata"]["name"] for d in dev_docs if d["kind"] == "Keycloak"}
    assert realm_import["spec"]["keycloakCRName"] in keycloaks
    assert realm_import["spec"]["realm"]["realm"] == "gip"
