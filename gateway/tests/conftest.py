"""Gateway fixtures: real peers on 127.0.0.1 and a gateway app in front of them (no database).

Each peer is a small threaded HTTP/1.1 server that answers `/healthz`, `/openapi.json` (a spec
built with FastAPI) and echoes every other request — method, raw request target, headers,
body — as JSON. The `X-Echo-Mode` request header makes it answer otherwise: slowly, gzipped,
201 with Location, 207, a 422 problem, hop-by-hop headers, cookies, a chunked stream.
"""

from __future__ import annotations

# ruff: noqa: E402  (the imports below must follow the sys.modules fix)
import sys

# With `--import-mode=importlib` pytest imports this file as `gateway.tests.conftest` and, unless
# the real `gateway` package is already loaded, registers the folder `gateway/` (which holds no
# code) as the module `gateway`, hiding the package in `gateway/src/gateway`. Drop that stand-in
# so the imports below find the real package.
_shadow = sys.modules.get("gateway")
if _shadow is not None and getattr(_shadow, "__file__", None) is None:
    del sys.modules["gateway"]

import contextlib
import gzip
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from gateway.main import create
from gateway.settings import Settings
from gipkit.errors import problem_responses
from gipkit.openapi import install_openapi
from gipkit.testing.fixtures import *  # noqa: F403
from gipkit.testing.tokens import TEST_ISSUER, TokenFactory

PROBLEM_422 = {
    "type": "https://gip-mesure.fr/problems/validation",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "The request is not valid; see errors.",
    "errors": [{"field": "body.siren", "reason": "invalid SIREN"}],
}


# --- the echo peer -----------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, name: str, spec: dict[str, Any] | None) -> None:
        super().__init__(("127.0.0.1", 0), _Echo)
        self.name = name
        self.spec = spec

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (timeout tests) is not an error here


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = self.headers.get("Content-Length")
        return self.rfile.read(int(length)) if length else b""

    def _send(
        self,
        status: int,
        body: bytes,
        headers: list[tuple[str, str]] = (),  # type: ignore[assignment]
        content_type: str = "application/json",
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        body = self._body()
        if self.path == "/healthz":
            self._send(200, b'{"status":"ok"}')
            return
        if self.path == "/openapi.json":
            if self.server.spec is None:
                self._send(404, b"{}")
            else:
                self._send(200, json.dumps(self.server.spec).encode())
            return
        mode = self.headers.get("X-Echo-Mode", "")
        if mode == "slow":
            time.sleep(float(self.headers.get("X-Echo-Delay", "1.0")))
        echo = {
            "service": self.server.name,
            "method": self.command,
            "target": self.path,
            "headers": [[k.lower(), v] for k, v in self.headers.items()],
            "body": body.decode("latin-1"),
        }
        payload = json.dumps(echo).encode()
        if mode == "gzip":
            self._send(200, gzip.compress(payload), [("Content-Encoding", "gzip")])
        elif mode == "created":
            self._send(201, payload, [("Location", "/api/v1/members/new-one")])
        elif mode == "multi":
            self._send(207, payload)
        elif mode == "problem":
            self._send(422, json.dumps(PROBLEM_422).encode(), [], "application/problem+json")
        elif mode == "hop":
            self._send(
                200,
                payload,
                [
                    ("Connection", "keep-alive, X-Secret-Hop"),
                    ("X-Secret-Hop", "must-not-pass"),
                    ("Keep-Alive", "timeout=5"),
                    ("Proxy-Authenticate", 'Basic realm="peer"'),
                    ("Trailer", "X-Checksum"),
                    ("X-Kept", "yes"),
                ],
            )
        elif mode == "cookies":
            self._send(200, payload, [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2")])
        elif mode == "stream":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(5):
                chunk = f"line {i}\n".encode()
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        else:
            self._send(200, payload)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle


@dataclass
class Peer:
    name: str
    url: str
    server: _Server = field(repr=False)


@contextlib.contextmanager
def echo_peer(name: str, spec: dict[str, Any] | None = None) -> Iterator[Peer]:
    server = _Server(name, spec)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Peer(name, f"http://127.0.0.1:{server.server_address[1]}", server)
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (the port was just released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- the services' OpenAPI documents, built by FastAPI as the real services do -------------


def _spec(build: Callable[[FastAPI], None], title: str) -> dict[str, Any]:
    # As gipkit's create_app builds them: every operation declares the 500 problem.
    app = FastAPI(title=title, responses=problem_responses(500))
    install_openapi(app)
    build(app)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {}

    return app.openapi()


def _member_models() -> tuple[type[BaseModel], type[BaseModel]]:
    # Two services publishing different schemas under the same name: merging must rename one.
    class Member(BaseModel):
        slug: str
        name: str

    tenants_member = Member

    class Member(BaseModel):  # type: ignore[no-redef]
        slug: str
        balance_cents: int

    return tenants_member, Member


TenantsMember, BillingMember = _member_models()


class Invoice(BaseModel):
    number: str
    member: BillingMember  # type: ignore[valid-type]


class Indicator(BaseModel):
    visits: int


def _tenants(app: FastAPI) -> None:
    @app.get(
        "/api/v1/members",
        tags=["members"],
        operation_id="list_things",  # billing uses the same id
        responses=problem_responses(401),
    )
    async def list_members() -> list[TenantsMember]:  # type: ignore[valid-type]
        return []

    @app.get("/api/v1/members/{slug}", tags=["members"], responses=problem_responses(404))
    async def get_member(slug: str) -> TenantsMember:  # type: ignore[valid-type]
        raise NotImplementedError


def _billing(app: FastAPI) -> None:
    @app.get(
        "/api/v1/invoices",
        tags=["invoices"],
        operation_id="list_things",  # same as tenants' on purpose
        responses=problem_responses(401),
    )
    async def list_invoices() -> list[Invoice]:
        return []

    @app.get("/api/v1/internal-stats", tags=["invoices"])  # not routed by the gateway
    async def balances() -> list[BillingMember]:  # type: ignore[valid-type]
        return []


def _measure(app: FastAPI) -> None:
    @app.get("/api/v1/indicators", tags=["indicators"], responses=problem_responses(422))
    async def indicators(scope: str) -> Indicator:
        raise NotImplementedError


def _reports(app: FastAPI) -> None:
    @app.get("/api/v1/open-data/weekly.csv", tags=["open-data"])
    async def weekly() -> str:
        return ""


SPECS = {
    "tenants": _spec(_tenants, "gip-mesure tenants"),
    "billing": _spec(_billing, "gip-mesure billing"),
    "measure": _spec(_measure, "gip-mesure measure"),
    "reports": _spec(_reports, "gip-mesure reports"),
}


@pytest.fixture(scope="session")
def peers() -> Iterator[dict[str, Peer]]:
    with contextlib.ExitStack() as stack:
        yield {
            name: stack.enter_context(echo_peer(name, SPECS[name]))
            for name in ("tenants", "billing", "measure", "reports")
        }


# --- the gateway -------------------------------------------------------------------------


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def make_settings(peers: dict[str, Peer]) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "env": "test",
            "oidc_issuer": TEST_ISSUER,
            **{f"peer_{name}": peer.url for name, peer in peers.items()},
            "proxy_read_timeout": 5.0,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@contextlib.asynccontextmanager
async def running_gateway(
    settings: Settings,
    tokens: TokenFactory,
    *,
    setup: Callable[[FastAPI], None] | None = None,
) -> AsyncIterator[FastAPI]:
    application = create(settings)
    application.state.verifier = tokens.verifier()
    if setup is not None:
        setup(application)
    async with application.router.lifespan_context(application):
        yield application


def asgi_client(app: FastAPI, address: str = "203.0.113.7") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 51000))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway.test")


@pytest.fixture
def gateway(make_settings: Callable[..., Settings], tokens: TokenFactory) -> Callable[..., Any]:
    """`async with gateway(**settings) as app:` — a gateway app with its lifespan running."""

    def start(setup: Callable[[FastAPI], None] | None = None, **overrides: Any) -> Any:
        return running_gateway(make_settings(**overrides), tokens, setup=setup)

    return start


@pytest.fixture
async def app(
    make_settings: Callable[..., Settings], tokens: TokenFactory
) -> AsyncIterator[FastAPI]:
    async with running_gateway(make_settings(), tokens) as application:
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as c:
        yield c


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def auth(tokens: TokenFactory) -> dict[str, str]:
    return tokens.headers(roles=["gip-admin"], client_id="gip-ops", subject="ops")


def echoed(response: httpx.Response) -> dict[str, Any]:
    data: dict[str, Any] = response.json()
    return data


def header_values(echo: dict[str, Any], name: str) -> list[str]:
    return [v for k, v in echo["headers"] if k == name.lower()]


@pytest.fixture
def helpers() -> Any:
    class H:
        FakeClock = FakeClock
        asgi_client = staticmethod(asgi_client)
        closed_port_url = staticmethod(closed_port_url)
        echo_peer = staticmethod(echo_peer)
        header_values = staticmethod(header_values)
        problem_422 = PROBLEM_422
        specs = SPECS

    return H


# The faked console (console_fakes.py, next to the tests) and its fixture, for the console's
# page tests.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from console_fakes import console  # noqa: F401
