"""The Keycloak Admin REST API subset, driven by python-keycloak's KeycloakAdmin."""

from __future__ import annotations

import httpx
import pytest
from keycloak import KeycloakAdmin, KeycloakOpenID, KeycloakOpenIDConnection
from keycloak.exceptions import (
    KeycloakAuthenticationError,
    KeycloakDeleteError,
    KeycloakGetError,
    KeycloakPostError,
)


def admin_for(idp, client_id: str = "gip-ops", secret: str | None = None) -> KeycloakAdmin:
    secret = secret or f"{client_id}-secret"
    connection = KeycloakOpenIDConnection(
        server_url=idp.server_url, realm_name="gip", client_id=client_id, client_secret_key=secret
    )
    return KeycloakAdmin(connection=connection)


@pytest.fixture
def admin(idp) -> KeycloakAdmin:
    return admin_for(idp)


def client_token_claims(idp, client_id: str, secret: str) -> dict:
    kc = KeycloakOpenID(
        server_url=idp.server_url, realm_name="gip", client_id=client_id, client_secret_key=secret
    )
    token = kc.token(grant_type="client_credentials")["access_token"]
    return kc.decode_token(token, check_claims={"iss": idp.issuer, "aud": "gip-api", "exp": None})


def test_fixture_organizations_and_members(admin):
    orgs = {o["alias"]: o for o in admin.get_organizations()}
    assert orgs["hauts-de-seine"]["name"] == "Département des Hauts-de-Seine"
    assert orgs["ile-de-france"]["name"] == "Région Île-de-France"
    assert orgs["hauts-de-seine"]["domains"]

    hds = orgs["hauts-de-seine"]["id"]
    members = {m["username"]: m for m in admin.get_organization_members(hds)}
    assert {"hds-admin", "hds-viewer"} <= set(members)
    assert members["hds-admin"]["membershipType"] == "UNMANAGED"
    user_orgs = admin.get_user_organizations(members["hds-admin"]["id"])
    assert [o["alias"] for o in user_orgs] == ["hauts-de-seine"]


def test_organization_lifecycle(admin, h):
    alias = h.unique("org")
    org_id = admin.create_organization(
        {"name": f"Organisation {alias}", "alias": alias, "domains": [{"name": f"{alias}.example"}]}
    )
    assert org_id

    org = admin.get_organization(org_id)
    assert org["alias"] == alias
    assert org["name"] == f"Organisation {alias}"
    assert org["domains"][0]["name"] == f"{alias}.example"
    assert org_id in [o["id"] for o in admin.get_organizations()]
    exact = admin.get_organizations({"search": f"Organisation {alias}", "exact": True})
    assert [o["id"] for o in exact] == [org_id]
    assert [o["id"] for o in admin.get_organizations({"search": f"{alias}.example"})] == [org_id]
    assert len(admin.get_organizations({"first": 0, "max": 1})) == 1

    user_id = admin.create_user(
        {"username": h.unique("member"), "email": f"{alias}@example.org", "enabled": True}
    )
    assert admin.organization_user_add(user_id, org_id) == b""
    assert admin.get_organization_members_count(org_id) == 1
    assert [m["id"] for m in admin.get_organization_members(org_id)] == [user_id]
    assert [o["id"] for o in admin.get_user_organizations(user_id)] == [org_id]

    with pytest.raises(KeycloakPostError) as again:
        admin.organization_user_add(user_id, org_id)
    assert again.value.response_code == 409
    with pytest.raises(KeycloakPostError) as unknown:
        admin.organization_user_add("no-such-user", org_id)
    assert unknown.value.response_code == 400

    assert admin.organization_user_remove(user_id, org_id) == {}
    assert admin.get_organization_members_count(org_id) == 0

    admin.update_organization(org_id, {**org, "description": "mise à jour"})
    assert admin.get_organization(org_id)["description"] == "mise à jour"

    assert admin.delete_organization(org_id) == {}
    with pytest.raises(KeycloakGetError) as gone:
        admin.get_organization(org_id)
    assert gone.value.response_code == 404
    admin.delete_user(user_id)


def test_duplicate_organization_is_409(admin, h):
    alias = h.unique("dup")
    org_id = admin.create_organization({"name": alias, "alias": alias})
    with pytest.raises(KeycloakPostError) as err:
        admin.create_organization({"name": alias, "alias": alias})
    assert err.value.response_code == 409
    assert "errorMessage" in str(err.value)
    admin.delete_organization(org_id)


def test_default_pagination_loop_terminates(admin, h):
    prefix = h.unique("page")
    created = [admin.create_organization({"name": f"{prefix}-{i:03d}"}) for i in range(102)]
    try:
        everything = admin.get_organizations({"search": prefix})
        assert sorted(o["id"] for o in everything) == sorted(created)
        page = admin.get_organizations({"search": prefix, "first": 100, "max": 100})
        assert len(page) == 2
    finally:
        for org_id in created:
            admin.delete_organization(org_id)


def test_provision_a_partner_client(idp, admin, h):
    client_id = h.unique("partner")
    alias = h.unique("membre")
    org_id = admin.create_organization({"name": alias, "alias": alias})

    cid = admin.create_client(
        {
            "clientId": client_id,
            "name": "Partenaire de test",
            "protocol": "openid-connect",
            "publicClient": False,
            "serviceAccountsEnabled": True,
            "standardFlowEnabled": False,
            "directAccessGrantsEnabled": False,
            "clientAuthenticatorType": "client-secret",
        }
    )
    assert admin.get_client_id(client_id) == cid
    assert admin.get_client(cid)["clientId"] == client_id

    service_user = admin.get_client_service_account_user(cid)
    assert service_user["username"] == f"service-account-{client_id}"
    assert admin.assign_realm_roles(service_user["id"], admin.get_realm_role("partner")) == {}
    assert "partner" in [r["name"] for r in admin.get_realm_roles_of_user(service_user["id"])]

    mapper = {
        "name": "organization",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-hardcoded-claim-mapper",
        "config": {
            "claim.name": "organization",
            "claim.value": alias,
            "jsonType.label": "String",
            "access.token.claim": "true",
            "id.token.claim": "false",
            "userinfo.token.claim": "false",
        },
    }
    assert admin.add_mapper_to_client(cid, mapper) == b""
    assert [m["name"] for m in admin.get_mappers_from_client(cid)] == ["organization"]

    secret = admin.get_client_secrets(cid)
    assert secret["type"] == "secret"
    claims = client_token_claims(idp, client_id, secret["value"])
    assert claims["organization"] == alias
    assert "partner" in claims["realm_access"]["roles"]
    assert claims["azp"] == client_id

    regenerated = admin.generate_client_secrets(cid)
    assert regenerated["value"] != secret["value"]
    with pytest.raises(KeycloakAuthenticationError):
        client_token_claims(idp, client_id, secret["value"])
    assert client_token_claims(idp, client_id, regenerated["value"])["organization"] == alias

    with pytest.raises(KeycloakPostError) as dup:
        admin.create_client({"clientId": client_id, "publicClient": False})
    assert dup.value.response_code == 409

    assert admin.update_client(cid, {"description": "désactivé", "enabled": False}) == {}
    with pytest.raises(KeycloakAuthenticationError):
        client_token_claims(idp, client_id, regenerated["value"])
    admin.update_client(cid, {"enabled": True})
    assert client_token_claims(idp, client_id, regenerated["value"])["azp"] == client_id

    assert admin.delete_client(cid) == {}
    assert admin.get_client_id(client_id) is None
    with pytest.raises(KeycloakGetError):
        admin.get_user(service_user["id"])
    with pytest.raises(KeycloakAuthenticationError):
        client_token_claims(idp, client_id, regenerated["value"])
    admin.delete_organization(org_id)


def test_user_management_and_console_login(idp, admin, h):
    username = h.unique("agent")
    user_id = admin.create_user(
        {
            "username": username,
            "email": f"{username}@example.org",
            "firstName": "Agnès",
            "lastName": "Test",
            "enabled": True,
        }
    )
    assert admin.get_user_id(username) == user_id
    assert admin.create_user({"username": username}, exist_ok=True) == user_id
    with pytest.raises(KeycloakPostError) as dup:
        admin.create_user({"username": username})
    assert dup.value.response_code == 409

    user = admin.get_user(user_id)
    assert user["email"] == f"{username}@example.org"
    assert [u["id"] for u in admin.get_users({"search": username})] == [user_id]
    assert admin.get_user_id("service-account-gip-ops") is None

    admin.update_user(user_id, {"lastName": "Modifiée"})
    assert admin.get_user(user_id)["lastName"] == "Modifiée"
    admin.set_user_password(user_id, "s3cret-pass", temporary=False)
    admin.assign_realm_roles(user_id, [admin.get_realm_role("member-viewer")])
    org = next(o for o in admin.get_organizations() if o["alias"] == "ile-de-france")
    admin.organization_user_add(user_id, org["id"])

    verifier, challenge = h.pkce_pair()
    with httpx.Client(timeout=10) as browser:
        step = h.browser_login(
            browser, idp, username=username, password="s3cret-pass", challenge=challenge
        )
    assert step.code
    resp = httpx.post(
        f"{idp.oidc}/token",
        data={
            "grant_type": "authorization_code",
            "client_id": "gip-console",
            "code": step.code,
            "redirect_uri": h.CONSOLE_REDIRECT,
            "code_verifier": verifier,
        },
    )
    claims = KeycloakOpenID(
        server_url=idp.server_url, realm_name="gip", client_id="gip-console"
    ).decode_token(resp.json()["access_token"])
    assert claims["organization"] == ["ile-de-france"]
    assert "member-viewer" in claims["realm_access"]["roles"]
    assert claims["family_name"] == "Modifiée"

    assert admin.delete_user(user_id) == {}
    assert admin.get_user_id(username) is None


def test_unknown_ids_are_404(admin):
    for call in (
        lambda: admin.get_client("no-such-id"),
        lambda: admin.get_user("no-such-id"),
        lambda: admin.get_organization("no-such-id"),
        lambda: admin.get_realm_role("no-such-role"),
    ):
        with pytest.raises(KeycloakGetError) as err:
            call()
        assert err.value.response_code == 404
    with pytest.raises(KeycloakDeleteError) as err:
        admin.delete_organization("no-such-id")
    assert err.value.response_code == 404


def test_admin_needs_the_gip_admin_role(idp):
    partner = admin_for(idp, "demo-partner", "demo-partner-secret")
    with pytest.raises(KeycloakGetError) as err:
        partner.get_organizations({"first": 0, "max": 10})
    assert err.value.response_code == 403

    assert httpx.get(f"{idp.base_url}/admin/realms/gip/organizations").status_code == 401
    bad = httpx.get(
        f"{idp.base_url}/admin/realms/gip/organizations",
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert bad.status_code == 401


def test_create_answers_201_with_location_and_empty_body(idp, admin, h):
    token = KeycloakOpenID(
        server_url=idp.server_url,
        realm_name="gip",
        client_id="gip-ops",
        client_secret_key="gip-ops-secret",
    ).token(grant_type="client_credentials")["access_token"]
    alias = h.unique("raw")
    resp = httpx.post(
        f"{idp.base_url}/admin/realms/gip/organizations",
        json={"name": alias, "alias": alias},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status_code == 201
    assert resp.content == b""
    org_id = resp.headers["location"].rsplit("/", 1)[-1]
    assert resp.headers["location"] == f"{idp.base_url}/admin/realms/gip/organizations/{org_id}"
    count = httpx.get(
        f"{idp.base_url}/admin/realms/gip/organizations/{org_id}/members/count",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert count.json() == 0
    admin.delete_organization(org_id)
