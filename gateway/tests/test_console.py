"""The console's login (code + PKCE), session cookie, refresh, CSRF, role-gated pages."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from gateway.console.deps import COOKIE

pytestmark = pytest.mark.anyio


class TokenEndpoint(ThreadingHTTPServer):
    """The realm's token endpoint: answers with tokens minted by the test key and records the
    forms it received."""

    def __init__(self, tokens: Any) -> None:
        super().__init__(("127.0.0.1", 0), _TokenHandler)
        self.tokens = tokens
        self.forms: list[dict[str, str]] = []
        self.claims: dict[str, Any] = {"roles": ["member-admin"], "organization": ["hds"]}
        self.expires_in = 300
        self.refuse = False


class _TokenHandler(BaseHTTPRequestHandler):
    server: TokenEndpoint

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        self.server.forms.append(form)
        if self.server.refuse:
            body, status = {"error": "invalid_grant"}, 400
        else:
            access = self.server.tokens.mint(
                client_id="gip-console", username="hds-admin", **self.server.claims
            )
            body = {
                "access_token": access,
                "expires_in": self.server.expires_in,
                "refresh_token": "refresh-1",
                "id_token": "id-token-1",
                "token_type": "Bearer",
            }
            status = 200
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def token_endpoint(tokens: Any) -> Iterator[TokenEndpoint]:
    server = TokenEndpoint(tokens)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def idp(tokens):
    with token_endpoint(tokens) as server:
        yield server


@pytest.fixture
async def console(gateway, idp):
    async with gateway(idp_url=f"http://127.0.0.1:{idp.server_address[1]}") as app:
        # https: outside `dev` the session cookie is Secure, and a browser keeps it off http.
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 51000))
        async with httpx.AsyncClient(transport=transport, base_url="https://gateway.test") as c:
            yield app, c


async def log_in(client, idp, next_path="/console/"):
    start = await client.get(f"/console/login?next={next_path}")
    assert start.status_code == 303
    auth = urlsplit(start.headers["location"])
    query = {k: v[0] for k, v in parse_qs(auth.query).items()}
    done = await client.get(f"/console/auth/callback?code=the-code&state={query['state']}")
    return query, done


async def test_pages_need_a_session(console):
    _, client = console
    response = await client.get("/console/admin/members?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console/admin/members%3Fx%3D1"


async def test_login_uses_pkce_and_sets_a_safe_cookie(console, idp):
    _, client = console
    query, done = await log_in(client, idp, "/console/admin/members")
    assert query["code_challenge_method"] == "S256"
    assert query["client_id"] == "gip-console"
    assert query["redirect_uri"] == "http://127.0.0.1:8000/console/auth/callback"
    form = idp.forms[-1]
    assert form["grant_type"] == "authorization_code"
    assert form["code"] == "the-code"
    digest = hashlib.sha256(form["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query["code_challenge"]
    assert done.status_code == 303
    assert done.headers["location"] == "/console/admin/members"
    cookie = done.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/console" in cookie
    assert "Secure" in cookie  # env=test: only `dev` runs on plain http
    assert "the-code" not in cookie and "refresh-1" not in cookie


async def test_a_callback_cannot_be_replayed(console, idp):
    _, client = console
    query, _ = await log_in(client, idp)
    again = await client.get(f"/console/auth/callback?code=the-code&state={query['state']}")
    assert again.status_code == 400
    assert "Connexion interrompue" in again.text


async def test_next_must_be_a_console_page(console, idp):
    _, client = console
    _, done = await log_in(client, idp, "https://evil.example/")
    assert done.headers["location"] == "/console/"


async def test_viewer_cannot_open_admin_pages_and_admin_can(console, idp):
    _, client = console
    idp.claims = {"roles": ["member-viewer"], "organization": ["hds"]}
    await log_in(client, idp)
    refused = await client.get("/console/admin/members")
    assert refused.status_code == 403
    assert "Accès refusé" in refused.text
    home = await client.get("/console/")
    assert home.status_code == 200
    assert 'href="/console/admin/members"' not in home.text  # not even offered

    idp.claims = {"roles": ["gip-admin"]}
    await log_in(client, idp)
    page = await client.get("/console/admin/members")
    assert page.status_code == 200
    assert "Membres du GIP" in page.text
    assert 'lang="fr"' in page.text


async def test_logout_needs_the_csrf_token_and_ends_the_idp_session(console, idp):
    _, client = console
    await log_in(client, idp)
    assert (await client.post("/console/logout", data={"csrf": "wrong"})).status_code == 403
    home = await client.get("/console/")
    csrf = home.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    out = await client.post("/console/logout", data={"csrf": csrf})
    assert out.status_code == 303
    target = urlsplit(out.headers["location"])
    assert target.path.endswith("/protocol/openid-connect/logout")
    assert parse_qs(target.query)["id_token_hint"] == ["id-token-1"]
    assert (await client.get("/console/")).status_code == 303  # the session is gone


async def test_token_is_refreshed_before_it_expires(console, idp):
    _, client = console
    idp.expires_in = 30  # inside the refresh margin: the next page refreshes first
    await log_in(client, idp)
    assert (await client.get("/console/")).status_code == 200
    assert idp.forms[-1]["grant_type"] == "refresh_token"
    assert idp.forms[-1]["refresh_token"] == "refresh-1"


async def test_failed_refresh_sends_back_to_login(console, idp):
    _, client = console
    idp.expires_in = 30
    await log_in(client, idp)
    idp.refuse = True
    response = await client.get("/console/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/login")


async def test_foreign_scope_is_not_shown(console, idp):
    _, client = console
    await log_in(client, idp)
    response = await client.get("/console/?scope=member:someone-else")
    assert response.status_code == 404


async def test_vendor_assets_are_served(console):
    _, client = console
    response = await client.get("/console/static/vendor/uPlot.iife.min.js")
    assert response.status_code == 200
    assert (await client.get("/console/static/vendor/../../etc/passwd")).status_code == 404
