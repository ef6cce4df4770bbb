"""Fixtures for the dev IdP tests: the IdP runs as a real `node` process on 127.0.0.1.

One IdP per xdist worker (session scope): its own free port and temporary state dir.
Every wait is bounded.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
IDP_DIR = REPO / "infra" / "dev-idp"
REALM_FILE = REPO / "infra" / "keycloak" / "realm-gip.json"
REALM = "gip"

START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 5.0

CONSOLE_REDIRECT = "http://127.0.0.1:8000/console/callback"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class DevIdp:
    """A dev IdP process bound to a port and a state dir; can be stopped and started again."""

    def __init__(
        self,
        state_dir: Path,
        log_path: Path,
        port: int | None = None,
        realm_file: Path = REALM_FILE,
    ) -> None:
        self.state_dir = state_dir
        self.log_path = log_path
        self.port = port or free_port()
        self.realm_file = realm_file
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def server_url(self) -> str:
        """What python-keycloak takes as server_url (trailing slash: urljoin keeps the path)."""
        return f"{self.base_url}/"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/realms/{REALM}"

    @property
    def oidc(self) -> str:
        return f"{self.issuer}/protocol/openid-connect"

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def start(self) -> None:
        node = shutil.which("node")
        if node is None:
            pytest.fail("node is not installed: the dev IdP needs Node.js 20+")
        if not (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
            pytest.fail(f"dev IdP dependencies missing: run `npm ci` in {IDP_DIR}")
        env = {
            **os.environ,
            "DEV_IDP_HOST": "127.0.0.1",
            "DEV_IDP_PORT": str(self.port),
            "DEV_IDP_STATE_DIR": str(self.state_dir),
            "DEV_IDP_REALM_FILE": str(self.realm_file),
            "DEV_IDP_EXIT_WITH_PARENT": "1",
        }
        env.pop("DEV_IDP_ISSUER", None)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [node, str(IDP_DIR / "server.js")],
                cwd=IDP_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        discovery = f"{self.issuer}/.well-known/openid-configuration"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"dev IdP exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if httpx.get(discovery, timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        pytest.fail(f"dev IdP did not answer within {START_TIMEOUT_S} s:\n{self.log()}")

    def stop(self) -> int | None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return None if proc is None else proc.returncode
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait(timeout=STOP_TIMEOUT_S)

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(scope="session")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevIdp]:
    root = tmp_path_factory.mktemp("devidp")
    server = DevIdp(root / "state", root / "idp.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fresh_idp(tmp_path: Path) -> Iterator[DevIdp]:
    """An IdP of its own, on a copy of the realm file (for tests that restart it)."""
    realm_file = tmp_path / "realm-gip.json"
    shutil.copyfile(REALM_FILE, realm_file)
    server = DevIdp(tmp_path / "state", tmp_path / "idp.log", realm_file=realm_file)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------- helpers


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return verifier, challenge.decode()


@dataclass
class LoginStep:
    """Where a browser login ended: the login page again, or the client's redirect."""

    response: httpx.Response
    code: str | None
    state: str | None


def form_action(html: str) -> str:
    match = re.search(r'<form id="kc-form-login" method="post" action="([^"]+)"', html)
    assert match, html
    return match.group(1).replace("&amp;", "&")


def browser_login(
    client: httpx.Client,
    idp: DevIdp,
    *,
    username: str,
    password: str,
    challenge: str,
    state: str = "st4te",
    scope: str = "openid",
) -> LoginStep:
    """Drives the console's authorization-code + PKCE login as a browser would."""
    resp = client.get(
        f"{idp.oidc}/auth",
        params={
            "client_id": "gip-console",
            "response_type": "code",
            "redirect_uri": CONSOLE_REDIRECT,
            "scope": scope,
            "state": state,
            "nonce": secrets.token_urlsafe(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        follow_redirects=True,
    )
    assert resp.status_code == 200, resp.text
    action = urljoin(str(resp.url), form_action(resp.text))
    resp = client.post(action, data={"username": username, "password": password})
    for _ in range(10):
        if resp.status_code not in (302, 303):
            break
        location = urljoin(str(resp.url), resp.headers["location"])
        if location.startswith(CONSOLE_REDIRECT):
            query = parse_qs(urlsplit(location).query)
            return LoginStep(resp, query.get("code", [None])[0], query.get("state", [None])[0])
        resp = client.get(location)
    return LoginStep(resp, None, None)


class Helpers:
    """Test helpers handed out as a fixture (test modules cannot import conftest)."""

    CONSOLE_REDIRECT = CONSOLE_REDIRECT
    REALM = REALM
    REALM_FILE = REALM_FILE
    IDP_DIR = IDP_DIR
    unique = staticmethod(unique)
    pkce_pair = staticmethod(pkce_pair)
    browser_login = staticmethod(browser_login)


@pytest.fixture(scope="session")
def h() -> type[Helpers]:
    return Helpers
