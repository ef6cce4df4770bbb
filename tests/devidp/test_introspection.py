"""Userinfo, introspection and revocation, as python-keycloak calls them."""

from __future__ import annotations

import httpx
import pytest
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakAuthenticationError


def openid(idp, client_id: str, secret: str) -> KeycloakOpenID:
    return KeycloakOpenID(
        server_url=idp.server_url, realm_name="gip", client_id=client_id, client_secret_key=secret
    )


@pytest.fixture
def partner_token(idp) -> str:
    kc = openid(idp, "demo-partner", "demo-partner-secret")
    return kc.token(grant_type="client_credentials")["access_token"]


def test_introspect_active_token(idp, partner_token):
    info = openid(idp, "gip-ops", "gip-ops-secret").introspect(partner_token)
    assert info["active"] is True
    assert info["client_id"] == "demo-partner"
    assert info["username"] == "service-account-demo-partner"
    assert info["token_type"] == "Bearer"
    assert info["organization"] == "hauts-de-seine"
    assert "partner" in info["realm_access"]["roles"]
    assert info["aud"] == "gip-api"


def test_introspect_after_revoke_is_inactive(idp, partner_token):
    owner = openid(idp, "demo-partner", "demo-partner-secret")
    assert owner.introspect(partner_token)["active"] is True

    resp = httpx.post(
        f"{idp.oidc}/revoke",
        data={
            "token": partner_token,
            "token_type_hint": "access_token",
            "client_id": "demo-partner",
            "client_secret": "demo-partner-secret",
        },
    )
    assert resp.status_code == 200

    assert owner.introspect(partner_token) == {"active": False}


def test_revoking_another_clients_token_is_refused(idp, partner_token):
    resp = httpx.post(
        f"{idp.oidc}/revoke",
        data={"token": partner_token},
        auth=("demo-ent", "demo-ent-secret"),
    )
    assert resp.status_code == 400
    assert openid(idp, "gip-ops", "gip-ops-secret").introspect(partner_token)["active"] is True


@pytest.mark.parametrize("garbage", ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.e30."])
def test_introspect_garbage_is_inactive(idp, garbage):
    assert openid(idp, "gip-ops", "gip-ops-secret").introspect(garbage) == {"active": False}


def test_introspect_a_tampered_token_is_inactive(idp, partner_token):
    head, payload, sig = partner_token.split(".")
    tampered = f"{head}.{payload[:-4]}AAAA.{sig}"
    assert openid(idp, "gip-ops", "gip-ops-secret").introspect(tampered) == {"active": False}


def test_introspect_needs_client_credentials(idp, partner_token):
    with pytest.raises(KeycloakAuthenticationError):
        openid(idp, "gip-ops", "wrong").introspect(partner_token)


def test_userinfo_for_a_service_account(idp, partner_token):
    info = openid(idp, "demo-partner", "demo-partner-secret").userinfo(partner_token)
    assert info["preferred_username"] == "service-account-demo-partner"
    assert info["email_verified"] is False
    assert info["sub"]


def test_userinfo_refuses_a_bad_token(idp):
    resp = httpx.get(f"{idp.oidc}/userinfo", headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 401
    assert resp.json()["error"] == "invalid_token"
    assert "invalid_token" in resp.headers["www-authenticate"]
