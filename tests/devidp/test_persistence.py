"""State in the state dir survives a restart: signing key, Admin API changes, browser sessions."""

from __future__ import annotations

import json

import httpx
from keycloak import KeycloakAdmin, KeycloakOpenID, KeycloakOpenIDConnection


def admin_for(idp) -> KeycloakAdmin:
    return KeycloakAdmin(
        connection=KeycloakOpenIDConnection(
            server_url=idp.server_url,
            realm_name="gip",
            client_id="gip-ops",
            client_secret_key="gip-ops-secret",
        )
    )


def openid(idp, client_id: str, secret: str | None = None) -> KeycloakOpenID:
    return KeycloakOpenID(
        server_url=idp.server_url, realm_name="gip", client_id=client_id, client_secret_key=secret
    )


def kid(idp) -> str:
    return httpx.get(f"{idp.oidc}/certs").json()["keys"][0]["kid"]


def test_state_survives_a_restart(fresh_idp, h):
    idp = fresh_idp
    admin = admin_for(idp)
    alias = h.unique("persist")
    org_id = admin.create_organization({"name": alias, "alias": alias})
    client_id = h.unique("ent")
    cid = admin.create_client(
        {"clientId": client_id, "publicClient": False, "serviceAccountsEnabled": True}
    )
    service_user = admin.get_client_service_account_user(cid)
    admin.assign_realm_roles(service_user["id"], [admin.get_realm_role("ent-ingest")])
    admin.add_mapper_to_client(
        cid,
        {
            "name": "organization",
            "protocol": "openid-connect",
            "protocolMapper": "oidc-hardcoded-claim-mapper",
            "config": {
                "claim.name": "organization",
                "claim.value": alias,
                "access.token.claim": "true",
            },
        },
    )
    secret = admin.get_client_secrets(cid)["value"]
    before_token = openid(idp, client_id, secret).token(grant_type="client_credentials")
    kid_before = kid(idp)

    _, challenge = h.pkce_pair()
    browser = httpx.Client(timeout=10)
    try:
        assert h.browser_login(
            browser, idp, username="idf-admin", password="idf-admin", challenge=challenge
        ).code

        idp.restart()

        assert kid(idp) == kid_before
        kc = openid(idp, client_id, secret)
        old_claims = kc.decode_token(before_token["access_token"])
        assert old_claims["organization"] == alias
        assert openid(idp, "gip-ops", "gip-ops-secret").introspect(before_token["access_token"])[
            "active"
        ]
        claims = kc.decode_token(kc.token(grant_type="client_credentials")["access_token"])
        assert claims["organization"] == alias
        assert "ent-ingest" in claims["realm_access"]["roles"]

        admin = admin_for(idp)
        assert admin.get_organization(org_id)["alias"] == alias
        assert admin.get_client_id(client_id) == cid

        # The browser session too: no login page this time.
        _, challenge = h.pkce_pair()
        resp = browser.get(
            f"{idp.oidc}/auth",
            params={
                "client_id": "gip-console",
                "response_type": "code",
                "redirect_uri": h.CONSOLE_REDIRECT,
                "scope": "openid",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        for _ in range(5):
            location = resp.headers.get("location", "")
            if location.startswith(h.CONSOLE_REDIRECT) or resp.status_code not in (302, 303):
                break
            resp = browser.get(httpx.URL(str(resp.url)).join(location))
        assert resp.headers.get("location", "").startswith(h.CONSOLE_REDIRECT), resp.text
        assert "code=" in resp.headers["location"]
    finally:
        browser.close()

    # A second start on the same state is idempotent.
    state_file = idp.state_dir / "realm-state.json"
    first = json.loads(state_file.read_text())
    idp.restart()
    second = json.loads(state_file.read_text())
    assert second == first
    assert sum(1 for c in second["clients"] if c["clientId"] == "gip-ops") == 1
    assert sum(1 for o in second["organizations"] if o["alias"] == "hauts-de-seine") == 1
    assert "signing-key" not in "".join(p.name for p in idp.state_dir.glob("*.pem"))


def test_changed_realm_file_is_merged_with_admin_changes(fresh_idp, h):
    idp = fresh_idp
    admin = admin_for(idp)
    client_id = h.unique("kept")
    cid = admin.create_client(
        {"clientId": client_id, "publicClient": False, "serviceAccountsEnabled": True}
    )
    hds_admin_sub = admin.get_user_id("hds-admin")

    realm = json.loads(idp.realm_file.read_text(encoding="utf-8"))
    realm["roles"]["realm"].append({"name": "auditor", "description": "nouveau rôle"})
    idp.realm_file.write_text(json.dumps(realm, ensure_ascii=False), encoding="utf-8")
    idp.restart()

    admin = admin_for(idp)
    assert admin.get_realm_role("auditor")["name"] == "auditor"
    assert admin.get_client_id(client_id) == cid
    assert admin.get_user_id("hds-admin") == hds_admin_sub
    assert "re-imported" in idp.log()

    assert idp.stop() == 0
    assert "SIGTERM received" in idp.log()
