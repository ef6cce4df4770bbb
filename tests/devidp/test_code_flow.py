"""The console's browser login: authorization code + PKCE (S256), refresh, userinfo, logout."""

from __future__ import annotations

import httpx
import pytest
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakPostError


def console(idp) -> KeycloakOpenID:
    return KeycloakOpenID(server_url=idp.server_url, realm_name="gip", client_id="gip-console")


def exchange(idp, h, code: str, verifier: str) -> httpx.Response:
    return httpx.post(
        f"{idp.oidc}/token",
        data={
            "grant_type": "authorization_code",
            "client_id": "gip-console",
            "code": code,
            "redirect_uri": h.CONSOLE_REDIRECT,
            "code_verifier": verifier,
        },
    )


@pytest.fixture
def logged_in(idp, h):
    """hds-admin logged in on the console: (tokens, browser client)."""
    verifier, challenge = h.pkce_pair()
    with httpx.Client(timeout=10) as browser:
        step = h.browser_login(
            browser, idp, username="hds-admin", password="hds-admin", challenge=challenge
        )
        assert step.code, step.response.text
        assert step.state == "st4te"
        resp = exchange(idp, h, step.code, verifier)
        assert resp.status_code == 200, resp.text
        yield resp.json(), browser


def test_code_flow_gives_member_admin_token(idp, logged_in):
    tokens, _ = logged_in
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 300
    assert tokens["refresh_token"]
    assert tokens["refresh_expires_in"] > 0
    assert tokens["id_token"]
    assert tokens["not-before-policy"] == 0
    assert "openid" in tokens["scope"].split()

    claims = console(idp).decode_token(
        tokens["access_token"], check_claims={"iss": idp.issuer, "aud": "gip-api", "exp": None}
    )
    assert claims["aud"] == "gip-api"
    assert claims["azp"] == "gip-console"
    assert claims["typ"] == "Bearer"
    assert claims["preferred_username"] == "hds-admin"
    assert "member-admin" in claims["realm_access"]["roles"]
    assert "gip-admin" not in claims["realm_access"]["roles"]
    assert claims["organization"] == ["hauts-de-seine"]
    assert claims["sid"] == tokens["session_state"]
    assert "client_id" not in claims
    assert claims["email"] == "hds-admin@hauts-de-seine.example"

    id_claims = console(idp).decode_token(tokens["id_token"])
    assert id_claims["aud"] == "gip-console"
    assert id_claims["sub"] == claims["sub"]
    assert id_claims["preferred_username"] == "hds-admin"
    assert id_claims["organization"] == ["hauts-de-seine"]


def test_code_needs_the_verifier_and_is_single_use(idp, h):
    verifier, challenge = h.pkce_pair()
    with httpx.Client(timeout=10) as browser:
        step = h.browser_login(
            browser, idp, username="hds-viewer", password="hds-viewer", challenge=challenge
        )
    assert step.code
    wrong = exchange(idp, h, step.code, h.pkce_pair()[0])
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert exchange(idp, h, step.code, verifier).status_code == 200
    again = exchange(idp, h, step.code, verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_pkce_is_required_for_the_console(idp, h):
    resp = httpx.get(
        f"{idp.oidc}/auth",
        params={
            "client_id": "gip-console",
            "response_type": "code",
            "redirect_uri": h.CONSOLE_REDIRECT,
            "scope": "openid",
            "state": "x",
        },
    )
    assert resp.status_code == 303
    location = httpx.URL(resp.headers["location"])
    assert str(location).startswith(h.CONSOLE_REDIRECT)
    assert location.params["error"] == "invalid_request"
    assert "PKCE" in location.params["error_description"]


def test_unregistered_redirect_uri_is_refused(idp, h):
    _, challenge = h.pkce_pair()
    resp = httpx.get(
        f"{idp.oidc}/auth",
        params={
            "client_id": "gip-console",
            "response_type": "code",
            "redirect_uri": "http://evil.example/console/cb",
            "scope": "openid",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert resp.status_code == 400
    assert "redirect_uri" in resp.text


@pytest.mark.parametrize(
    ("redirect_uri", "allowed"),
    [
        # RFC 8252 §7.3: any port for a loopback IP literal registered as 127.0.0.1:8000.
        ("http://127.0.0.1:45123/console/auth/callback", True),
        ("http://localhost:45123/console/auth/callback", False),  # a name, not an IP
        ("http://127.0.0.1:45123/elsewhere", False),  # the path still has to match
    ],
)
def test_loopback_redirect_uris_accept_any_port(idp, h, redirect_uri, allowed):
    _, challenge = h.pkce_pair()
    resp = httpx.get(
        f"{idp.oidc}/auth",
        params={
            "client_id": "gip-console",
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "scope": "openid",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert (resp.status_code != 400) is allowed, resp.text[:300]


def test_wrong_password_shows_the_login_page_again(idp, h):
    _, challenge = h.pkce_pair()
    with httpx.Client(timeout=10) as browser:
        step = h.browser_login(
            browser, idp, username="hds-admin", password="wrong", challenge=challenge
        )
    assert step.code is None
    assert step.response.status_code == 200
    assert "mot de passe invalide" in step.response.text
    assert 'id="kc-form-login"' in step.response.text
    assert 'value="hds-admin"' in step.response.text


def test_service_account_cannot_log_in_in_a_browser(idp, h):
    _, challenge = h.pkce_pair()
    with httpx.Client(timeout=10) as browser:
        step = h.browser_login(
            browser, idp, username="service-account-gip-ops", password="", challenge=challenge
        )
    assert step.code is None


def test_refresh_gives_a_new_access_token(idp, logged_in):
    tokens, _ = logged_in
    refreshed = console(idp).refresh_token(tokens["refresh_token"])
    assert refreshed["access_token"] != tokens["access_token"]
    assert refreshed["refresh_token"]
    claims = console(idp).decode_token(refreshed["access_token"])
    assert claims["organization"] == ["hauts-de-seine"]
    assert "member-admin" in claims["realm_access"]["roles"]
    # As with Keycloak's default (revokeRefreshToken=false), a refresh token can be used again.
    again = console(idp).refresh_token(tokens["refresh_token"])
    assert again["access_token"] not in (tokens["access_token"], refreshed["access_token"])


def test_userinfo_for_a_person(idp, logged_in):
    tokens, _ = logged_in
    info = console(idp).userinfo(tokens["access_token"])
    assert info["preferred_username"] == "hds-admin"
    assert info["given_name"] == "Hélène"
    assert info["email"] == "hds-admin@hauts-de-seine.example"
    assert info["organization"] == ["hauts-de-seine"]
    assert info["sub"] == console(idp).decode_token(tokens["access_token"])["sub"]


def test_logout_with_refresh_token_ends_the_session(idp, logged_in):
    tokens, _ = logged_in
    ops = KeycloakOpenID(
        server_url=idp.server_url,
        realm_name="gip",
        client_id="gip-ops",
        client_secret_key="gip-ops-secret",
    )
    assert ops.introspect(tokens["access_token"])["active"] is True

    assert console(idp).logout(tokens["refresh_token"]) == {}

    assert ops.introspect(tokens["access_token"])["active"] is False
    with pytest.raises(KeycloakPostError) as err:
        console(idp).refresh_token(tokens["refresh_token"])
    assert err.value.response_code == 400
    assert "Token is not active" in str(err.value)


def test_browser_logout_redirects_to_the_console(idp, h, logged_in):
    tokens, browser = logged_in
    resp = browser.get(
        f"{idp.oidc}/logout",
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "http://127.0.0.1:8000/console/",
            "state": "bye",
        },
    )
    assert resp.status_code == 200
    assert "Déconnexion" in resp.text
    # The page submits its form by itself; a client without JavaScript posts it.
    action = resp.text.split('action="', 1)[1].split('"', 1)[0]
    xsrf = resp.text.split('name="xsrf" value="', 1)[1].split('"', 1)[0]
    done = browser.post(httpx.URL(str(resp.url)).join(action), data={"xsrf": xsrf, "logout": "yes"})
    assert done.status_code == 303
    assert done.headers["location"] == "http://127.0.0.1:8000/console/?state=bye"
    ops = KeycloakOpenID(
        server_url=idp.server_url,
        realm_name="gip",
        client_id="gip-ops",
        client_secret_key="gip-ops-secret",
    )
    assert ops.introspect(tokens["access_token"])["active"] is False

    # With the session gone, a new authorization request shows the login page again.
    _, challenge = h.pkce_pair()
    again = browser.get(
        f"{idp.oidc}/auth",
        params={
            "client_id": "gip-console",
            "response_type": "code",
            "redirect_uri": h.CONSOLE_REDIRECT,
            "scope": "openid",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        follow_redirects=True,
    )
    assert 'id="kc-form-login"' in again.text


def test_sso_session_skips_the_login_page(idp, h, logged_in):
    _, browser = logged_in
    verifier, challenge = h.pkce_pair()
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
        if not resp.headers.get("location", "").startswith(h.CONSOLE_REDIRECT):
            assert resp.status_code in (302, 303), resp.text
            resp = browser.get(httpx.URL(str(resp.url)).join(resp.headers["location"]))
    code = httpx.URL(resp.headers["location"]).params["code"]
    assert exchange(idp, h, code, verifier).status_code == 200


def test_python_keycloak_auth_url_and_code_exchange(idp, h):
    """What a python-keycloak based console would do: auth_url(), then token() with the code."""
    kc = console(idp)
    verifier, challenge = h.pkce_pair()
    url = kc.auth_url(
        redirect_uri=h.CONSOLE_REDIRECT,
        scope="openid",
        state="pk",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    with httpx.Client(timeout=10) as browser:
        page = browser.get(url, follow_redirects=True)
        assert 'id="kc-form-login"' in page.text
        action = page.text.split('action="', 1)[1].split('"', 1)[0]
        resp = browser.post(
            httpx.URL(str(page.url)).join(action),
            data={"username": "idf-admin", "password": "idf-admin"},
        )
        for _ in range(10):
            if resp.headers.get("location", "").startswith(h.CONSOLE_REDIRECT):
                break
            assert resp.status_code in (302, 303), resp.text
            resp = browser.get(httpx.URL(str(resp.url)).join(resp.headers["location"]))
    code = httpx.URL(resp.headers["location"]).params["code"]

    tokens = kc.token(
        grant_type="authorization_code",
        code=code,
        redirect_uri=h.CONSOLE_REDIRECT,
        code_verifier=verifier,
    )
    claims = kc.decode_token(tokens["access_token"])
    assert claims["preferred_username"] == "idf-admin"
    assert claims["organization"] == ["ile-de-france"]
    assert "member-admin" in claims["realm_access"]["roles"]
    assert tokens["scope"] == "openid profile email organization"
