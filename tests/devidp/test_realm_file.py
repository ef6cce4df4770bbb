"""infra/keycloak/realm-gip.json: the dev realm fixtures of DESIGN.md §2, for Keycloak 26."""

from __future__ import annotations

import json

import pytest

SERVICE_CLIENTS = {
    "gip-ops": ("gip-admin", None),
    "demo-partner": ("partner", "hauts-de-seine"),
    "demo-ent": ("ent-ingest", "hauts-de-seine"),
    "svc-billing": ("service", None),
    "svc-measure": ("service", None),
    "svc-reports": ("service", None),
    "svc-tenants": ("service", None),
}
PEOPLE = {
    "admin": ("gip-admin", None),
    "hds-admin": ("member-admin", "hauts-de-seine"),
    "hds-viewer": ("member-viewer", "hauts-de-seine"),
    "idf-admin": ("member-admin", "ile-de-france"),
}
CONSOLE_URIS = ["http://127.0.0.1:8000/console/*", "http://localhost:8000/console/*"]


@pytest.fixture(scope="module")
def realm(h) -> dict:
    return json.loads(h.REALM_FILE.read_text(encoding="utf-8"))


def mappers(client: dict, kind: str) -> list[dict]:
    return [m for m in client.get("protocolMappers", []) if m["protocolMapper"] == kind]


def test_realm_settings(realm):
    assert realm["realm"] == "gip"
    assert realm["enabled"] is True
    assert realm["organizationsEnabled"] is True
    assert realm["accessTokenLifespan"] == 300
    # Declaring clientScopes would suppress Keycloak's built-in scopes
    # (basic → sub, roles → realm_access), so the realm relies on them.
    assert "clientScopes" not in realm
    names = {r["name"] for r in realm["roles"]["realm"]}
    assert names == {
        "gip-admin",
        "member-admin",
        "member-viewer",
        "partner",
        "ent-ingest",
        "service",
    }


def test_every_client_has_the_gip_api_audience(realm):
    for client in realm["clients"]:
        audience = mappers(client, "oidc-audience-mapper")
        assert len(audience) == 1, client["clientId"]
        config = audience[0]["config"]
        assert config["included.custom.audience"] == "gip-api"
        assert config["access.token.claim"] == "true"


@pytest.mark.parametrize("client_id", sorted(SERVICE_CLIENTS))
def test_confidential_clients(realm, client_id):
    role, organization = SERVICE_CLIENTS[client_id]
    client = next(c for c in realm["clients"] if c["clientId"] == client_id)
    assert client["publicClient"] is False
    assert client["serviceAccountsEnabled"] is True
    assert client["secret"] == f"{client_id}-secret"
    hardcoded = mappers(client, "oidc-hardcoded-claim-mapper")
    if organization is None:
        assert hardcoded == []
    else:
        (mapper,) = hardcoded
        assert mapper["config"]["claim.name"] == "organization"
        assert mapper["config"]["claim.value"] == organization
        assert mapper["config"]["access.token.claim"] == "true"
    account = next(u for u in realm["users"] if u.get("serviceAccountClientId") == client_id)
    assert account["username"] == f"service-account-{client_id}"
    assert role in account["realmRoles"]


def test_gip_ops_can_call_the_admin_api_in_keycloak(realm):
    account = next(u for u in realm["users"] if u.get("serviceAccountClientId") == "gip-ops")
    assert set(account["clientRoles"]["realm-management"]) >= {
        "manage-realm",
        "manage-users",
        "manage-clients",
        "view-realm",
    }


def test_console_client(realm):
    console = next(c for c in realm["clients"] if c["clientId"] == "gip-console")
    assert console["publicClient"] is True
    assert console["standardFlowEnabled"] is True
    assert console["attributes"]["pkce.code.challenge.method"] == "S256"
    assert console["redirectUris"] == CONSOLE_URIS
    assert console["attributes"]["post.logout.redirect.uris"].split("##") == CONSOLE_URIS
    assert console["webOrigins"] == ["+"]
    assert {"basic", "roles", "profile", "email", "organization"} <= set(
        console["defaultClientScopes"]
    )


@pytest.mark.parametrize("username", sorted(PEOPLE))
def test_people(realm, username):
    role, organization = PEOPLE[username]
    user = next(u for u in realm["users"] if u["username"] == username)
    assert user["enabled"] is True
    assert user["email"] and user["firstName"] and user["lastName"]
    assert user["credentials"] == [{"type": "password", "value": username, "temporary": False}]
    assert role in user["realmRoles"]
    member_of = [
        o["alias"]
        for o in realm["organizations"]
        if username in [m["username"] for m in o.get("members", [])]
    ]
    assert member_of == ([organization] if organization else [])


def test_organizations(realm):
    orgs = {o["alias"]: o for o in realm["organizations"]}
    assert orgs["hauts-de-seine"]["name"] == "Département des Hauts-de-Seine"
    assert orgs["ile-de-france"]["name"] == "Région Île-de-France"
    for org in orgs.values():
        assert org["domains"]
        assert org["enabled"] is True
