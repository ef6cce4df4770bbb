"""Client credentials through python-keycloak, against the dev IdP's Keycloak paths."""

from __future__ import annotations

import asyncio
import base64
import json

import httpx
import jwt
import pytest
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakAuthenticationError

FIXTURE_CLIENTS = {
    # clientId: (role, organization claim or None)
    "gip-ops": ("gip-admin", None),
    "demo-partner": ("partner", "hauts-de-seine"),
    "demo-ent": ("ent-ingest", "hauts-de-seine"),
    "svc-billing": ("service", None),
    "svc-measure": ("service", None),
    "svc-reports": ("service", None),
    "svc-tenants": ("service", None),
}


def openid(idp, client_id: str, secret: str) -> KeycloakOpenID:
    return KeycloakOpenID(
        server_url=idp.server_url, realm_name="gip", client_id=client_id, client_secret_key=secret
    )


def jwt_header(token: str) -> dict:
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))


@pytest.mark.parametrize("client_id", sorted(FIXTURE_CLIENTS))
def test_fixture_client_gets_keycloak_shaped_token(idp, client_id):
    role, organization = FIXTURE_CLIENTS[client_id]
    kc = openid(idp, client_id, f"{client_id}-secret")

    answer = kc.token(grant_type="client_credentials")

    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == 300
    assert answer["refresh_expires_in"] == 0
    assert answer["not-before-policy"] == 0
    assert answer["scope"] == "openid profile email"
    assert "refresh_token" not in answer
    assert answer["id_token"]

    claims = kc.decode_token(
        answer["access_token"], check_claims={"iss": idp.issuer, "aud": "gip-api", "exp": None}
    )
    assert claims["iss"] == idp.issuer
    assert claims["aud"] == "gip-api"
    assert claims["azp"] == client_id
    assert claims["client_id"] == client_id
    assert claims["typ"] == "Bearer"
    assert claims["preferred_username"] == f"service-account-{client_id}"
    assert claims["exp"] - claims["iat"] == 300
    assert claims["jti"]
    assert claims["scope"] == "openid profile email"
    assert role in claims["realm_access"]["roles"]
    others = {"gip-admin", "member-admin", "member-viewer", "partner", "ent-ingest", "service"}
    assert not (others - {role}) & set(claims["realm_access"]["roles"])
    if organization is None:
        assert "organization" not in claims
    else:
        assert claims["organization"] == organization

    header = jwt_header(answer["access_token"])
    assert header["alg"] == "RS256"
    assert header["kid"] == kc.certs()["keys"][0]["kid"]


def test_token_verifies_with_pyjwt_and_jwks(idp):
    answer = openid(idp, "demo-ent", "demo-ent-secret").token(grant_type="client_credentials")
    jwks = jwt.PyJWKClient(f"{idp.oidc}/certs")
    key = jwks.get_signing_key_from_jwt(answer["access_token"])

    claims = jwt.decode(
        answer["access_token"],
        key=key.key,
        algorithms=["RS256"],
        audience="gip-api",
        issuer=idp.issuer,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )

    assert claims["organization"] == "hauts-de-seine"
    assert "ent-ingest" in claims["realm_access"]["roles"]
    assert claims["azp"] == "demo-ent"
    id_claims = jwt.decode(
        answer["id_token"],
        key=key.key,
        algorithms=["RS256"],
        audience="demo-ent",
        issuer=idp.issuer,
    )
    assert id_claims["typ"] == "ID"
    assert id_claims["sub"] == claims["sub"]


def test_client_secret_basic_is_accepted(idp):
    resp = httpx.post(
        f"{idp.oidc}/token",
        data={"grant_type": "client_credentials"},
        auth=("svc-measure", "svc-measure-secret"),
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["scope"] == "profile email"
    assert "id_token" not in body


def test_wrong_secret_is_refused(idp):
    with pytest.raises(KeycloakAuthenticationError) as err:
        openid(idp, "demo-partner", "not-the-secret").token(grant_type="client_credentials")
    assert err.value.response_code == 401


def test_unknown_client_is_refused(idp):
    with pytest.raises(KeycloakAuthenticationError):
        openid(idp, "nobody", "whatever").token(grant_type="client_credentials")


def test_public_console_cannot_use_client_credentials(idp):
    resp = httpx.post(
        f"{idp.oidc}/token", data={"grant_type": "client_credentials", "client_id": "gip-console"}
    )
    assert resp.status_code in (400, 401)


def test_discovery_certs_and_realm_info(idp):
    conf = httpx.get(f"{idp.issuer}/.well-known/openid-configuration").json()
    assert conf["issuer"] == idp.issuer
    for field, path in {
        "authorization_endpoint": "/auth",
        "token_endpoint": "/token",
        "jwks_uri": "/certs",
        "userinfo_endpoint": "/userinfo",
        "introspection_endpoint": "/token/introspect",
        "end_session_endpoint": "/logout",
        "revocation_endpoint": "/revoke",
    }.items():
        assert conf[field] == f"{idp.oidc}{path}"

    keys = httpx.get(f"{idp.oidc}/certs").json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kty"] == "RSA"
    assert keys[0]["alg"] == "RS256"
    assert "d" not in keys[0]

    realm = httpx.get(idp.issuer).json()
    assert realm["realm"] == "gip"
    assert realm["public_key"]
    assert realm["token-service"] == idp.oidc

    assert httpx.get(f"{idp.base_url}/health/ready").status_code == 200


def test_start_banner(idp):
    log = idp.log()
    assert "DEVELOPMENT identity provider, NOT FOR PRODUCTION" in log
    assert f"dev IdP ready on {idp.base_url}" in log


def test_async_client_sends_the_same_form(idp):
    """python-keycloak's httpx-based twins (a_*) send empty username/password too."""

    async def run() -> dict:
        kc = openid(idp, "svc-reports", "svc-reports-secret")
        answer = await kc.a_token(grant_type="client_credentials")
        return await kc.a_decode_token(answer["access_token"])

    claims = asyncio.run(run())
    assert claims["azp"] == "svc-reports"
    assert "service" in claims["realm_access"]["roles"]


def test_exact_python_keycloak_form_is_accepted(idp):
    resp = httpx.post(
        f"{idp.oidc}/token",
        data={
            "username": "",
            "password": "",
            "client_id": "gip-ops",
            "grant_type": "client_credentials",
            "code": "",
            "redirect_uri": "",
            "scope": "openid",
            "client_secret": "gip-ops-secret",
        },
    )
    assert resp.status_code == 200, resp.text
    assert set(resp.json()) >= {"access_token", "expires_in", "token_type", "id_token", "scope"}
