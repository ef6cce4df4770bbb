"""The console's login (code + PKCE), session cookie, refresh, CSRF, role-gated pages."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from gateway.console.sessions import COOKIE, LOGIN_COOKIE

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
        self.nonce = ""  # sent by the last authorization request (`log_in` puts it here)
        self.id_claims: dict[str, Any] = {}  # put into the ID token over the right ones
        self.send_id_token = True
        self.id_tokens: list[str] = []


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
                "token_type": "Bearer",
            }
            if self.server.send_id_token:
                id_claims = {"aud": "gip-console", "typ": "ID", "nonce": self.server.nonce}
                body["id_token"] = self.server.tokens.mint(
                    client_id="gip-console",
                    username="hds-admin",
                    **{**id_claims, **self.server.id_claims},
                )
                self.server.id_tokens.append(body["id_token"])
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
    idp.nonce = query["nonce"]
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
    set_cookies = done.headers.get_list("set-cookie")
    # The login's own cookie is cleared; the session's is set.
    assert any(c.startswith(f"{LOGIN_COOKIE}.") and "Max-Age=0" in c for c in set_cookies)
    (cookie,) = [c for c in set_cookies if c.startswith(f"{COOKIE}=")]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/console" in cookie
    assert "Secure" in cookie  # env=test: only `dev` runs on plain http
    # Sealed: neither the tokens nor anything of them can be read from it.
    for secret in ("the-code", "refresh-1", "hds-admin", "eyJ"):
        assert secret not in cookie


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
    assert parse_qs(target.query)["id_token_hint"] == [idp.id_tokens[0]]
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


async def test_every_asset_a_page_links_is_served(console):
    _, client = console
    # A page any visitor can reach: a login callback that was never begun.
    page = await client.get("/console/auth/callback?code=c&state=unknown")
    assert page.status_code == 400
    assets = re.findall(r'(?:href|src)="(/console/static/[^"]+)"', page.text)
    assert "/console/static/favicon.svg" in assets and len(assets) >= 4
    for asset in assets:
        assert (await client.get(asset)).status_code == 200, asset


# --- sessions live in sealed cookies: any replica, and a restarted one, serves them ---------


class Replicas(httpx.AsyncBaseTransport):
    """A load balancer in front of gateway replicas: each request goes to the next one."""

    def __init__(self, *apps: Any) -> None:
        self.transports = [
            httpx.ASGITransport(app=app, client=("203.0.113.7", 51000)) for app in apps
        ]
        self.served: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        replica = len(self.served) % len(self.transports)
        self.served.append(replica)
        return await self.transports[replica].handle_async_request(request)


@contextlib.asynccontextmanager
async def replicas(gateway, idp, *cookie_secrets: str):
    idp_url = f"http://127.0.0.1:{idp.server_address[1]}"
    async with contextlib.AsyncExitStack() as stack:
        apps = [
            await stack.enter_async_context(gateway(idp_url=idp_url, console_cookie_secret=secret))
            for secret in cookie_secrets
        ]
        balancer = Replicas(*apps)
        client = httpx.AsyncClient(transport=balancer, base_url="https://gateway.test")
        async with client:
            yield client, balancer, apps


SHARED = "a-secret-every-replica-holds-0123456789"


async def test_a_session_is_served_by_every_replica(gateway, idp):
    async with replicas(gateway, idp, SHARED, SHARED) as (client, balancer, _):
        await log_in(client, idp)  # the login begins on one replica, its callback on the other
        pages = [await client.get("/console/") for _ in range(4)]
    assert balancer.served == [0, 1, 0, 1, 0, 1]
    assert [p.status_code for p in pages] == [200] * 4


async def test_a_session_outlives_the_replica_that_opened_it(gateway, idp):
    async with replicas(gateway, idp, SHARED) as (client, _, _):
        await log_in(client, idp)
        kept = client.cookies
    async with replicas(gateway, idp, SHARED) as (client, _, _):  # a new process
        client.cookies = kept
        assert (await client.get("/console/")).status_code == 200


async def test_a_cookie_sealed_with_another_secret_is_refused_and_cleared(gateway, idp):
    async with replicas(gateway, idp, SHARED) as (client, _, _):
        await log_in(client, idp)
        kept = client.cookies
    async with replicas(gateway, idp, "another-secret-0123456789abcdefghij") as (client, _, _):
        client.cookies = kept
        response = await client.get("/console/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/login")
    assert any(
        c.startswith(f"{COOKIE}=") and "Max-Age=0" in c
        for c in response.headers.get_list("set-cookie")
    )


async def test_a_rotated_secret_keeps_sessions_open_and_reseals_them(gateway, idp):
    async with replicas(gateway, idp, SHARED) as (client, _, _):
        await log_in(client, idp)
        kept = client.cookies
    new = "the-secret-after-the-rotation-0123456789"
    idp_url = f"http://127.0.0.1:{idp.server_address[1]}"
    async with gateway(
        idp_url=idp_url, console_cookie_secret=new, console_cookie_previous_secret=SHARED
    ) as app:
        app.state.console_sessions.clock = lambda: time.time() + 120  # due for a re-seal
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 51000))
        async with httpx.AsyncClient(transport=transport, base_url="https://gateway.test") as c:
            c.cookies = kept
            page = await c.get("/console/")
            resealed = c.cookies
    assert page.status_code == 200
    # Sealed anew with the new secret: a gateway that no longer holds the old one opens it.
    async with replicas(gateway, idp, new) as (client, _, _):
        client.cookies = resealed
        assert (await client.get("/console/")).status_code == 200


async def test_a_large_session_is_split_over_several_cookies(gateway, idp):
    # A realm with many groups makes a large access token; a browser keeps 4 KB a cookie.
    groups = [f"/members/{uuid.uuid4()}" for _ in range(150)]
    idp.claims = {**idp.claims, "groups": groups}
    idp.expires_in = 30  # the next page refreshes it
    async with replicas(gateway, idp, SHARED, SHARED) as (client, _, _):
        _, done = await log_in(client, idp)
        set_cookies = done.headers.get_list("set-cookie")
        chunks = [c.split("=", 1)[0] for c in set_cookies if c.startswith(COOKIE + "=")]
        chunks += sorted(c.split("=", 1)[0] for c in set_cookies if c.startswith(COOKIE + "."))
        assert len(chunks) >= 2
        assert chunks == [COOKIE] + [f"{COOKIE}.{n}" for n in range(1, len(chunks))]
        assert all(len(c) < 4000 for c in set_cookies)
        # Read whole by the other replica, and refreshed into a small token there: the
        # session's tail cookies are cleared.
        idp.claims = {"roles": ["member-admin"], "organization": ["hds"]}
        page = await client.get("/console/")
        assert page.status_code == 200
        assert idp.forms[-1]["grant_type"] == "refresh_token"
        set_cookies = page.headers.get_list("set-cookie")
        cleared = [c.split("=", 1)[0] for c in set_cookies if "Max-Age=0" in c]
        assert sorted(cleared) == chunks[1:]
        assert (await client.get("/console/")).status_code == 200


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def test_an_idle_session_ends_and_an_active_one_is_kept_alive(console, idp):
    app, client = console
    clock = Clock()
    app.state.console_sessions.clock = clock
    await log_in(client, idp)
    quiet = await client.get("/console/")
    assert quiet.status_code == 200
    assert "set-cookie" not in quiet.headers  # seen a moment ago: not sealed again
    clock.now += 120
    active = await client.get("/console/")
    assert active.status_code == 200
    assert any(c.startswith(f"{COOKIE}=") for c in active.headers.get_list("set-cookie"))
    ttl = app.state.settings.console_session_seconds
    clock.now += ttl - 1  # idle just under the lifetime since the last re-seal: still open
    assert (await client.get("/console/")).status_code == 200
    clock.now += ttl + 1
    response = await client.get("/console/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/login")


async def test_a_login_left_pending_too_long_is_refused(console, idp):
    app, client = console
    clock = Clock()
    app.state.console_sessions.clock = clock
    start = await client.get("/console/login")
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    clock.now += 601
    late = await client.get(f"/console/auth/callback?code=the-code&state={state}")
    assert late.status_code == 400
    assert idp.forms == []  # the code was never exchanged


async def test_a_callback_needs_the_browser_that_began_the_login(console, idp):
    _, client = console
    start = await client.get("/console/login")
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    client.cookies.clear()  # another browser, handed the callback URL
    other = await client.get(f"/console/auth/callback?code=the-code&state={state}")
    assert other.status_code == 400
    assert idp.forms == []


async def test_a_visitor_without_a_session_is_sent_no_cookie(console):
    _, client = console
    response = await client.get("/console/")
    assert response.status_code == 303
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    "id_token",
    [
        {"nonce": "the-nonce-of-another-login"},
        {"aud": "gip-api"},  # issued for another client
        {"iss": "http://another-idp.test/realms/gip"},
        None,  # none at all
    ],
)
async def test_a_login_needs_an_id_token_for_this_login(console, idp, id_token):
    _, client = console
    if id_token is None:
        idp.send_id_token = False
    else:
        idp.id_claims = id_token
    _, done = await log_in(client, idp)
    assert done.status_code == 400
    assert "Connexion interrompue" in done.text
    assert not any(c.startswith(f"{COOKIE}=") for c in done.headers.get_list("set-cookie"))
    assert (await client.get("/console/")).status_code == 303
