"""The platform as `make up` starts it: real processes, real HTTP, real dev-IdP tokens."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from devstack import SERVICES, Stack, free_ports, port_in_use
from e2e_support import ROOT, client_token

pytestmark = pytest.mark.e2e


def test_every_service_is_ready_with_its_peers(stack):
    for service in SERVICES:
        response = httpx.get(f"{stack.url(service)}/readyz", timeout=10)
        assert response.status_code == 200, (service, response.text)
    gateway = httpx.get(f"{stack.gateway_url}/readyz", timeout=10).json()
    assert gateway["checks"] == {s: "ok" for s in SERVICES}


def test_gateway_refuses_missing_and_forged_tokens(gateway):
    assert gateway.get("/api/v1/members").status_code == 401
    forged_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {"sub": "x", "aud": "gip-api", "exp": int(time.time()) + 60, "iss": "whatever"},
        forged_key,
        algorithm="RS256",
        headers={"kid": "forged"},
    )
    response = gateway.get("/api/v1/members", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_dev_idp_token_passes_the_gateway_and_reaches_the_service(stack, gateway):
    token = client_token(stack, "gip-ops")
    response = gateway.get(
        "/api/v1/members",
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "e2e-request-1"},
    )
    assert response.status_code != 401, response.text
    # The answer came from tenants, carrying the id the gateway forwarded.
    assert response.headers["x-request-id"] == "e2e-request-1"


def test_public_routes_need_no_token(gateway):
    response = gateway.get("/api/v1/open-data")
    assert response.status_code != 401


def test_a_stopped_service_is_a_503_with_retry_after(stack, gateway):
    token = client_token(stack, "demo-ent")
    stack.stop_one("measure")
    try:
        response = gateway.get("/api/v1/indicators", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 503
        assert int(response.headers["retry-after"]) >= 1
        assert response.headers["content-type"] == "application/problem+json"
        readiness = httpx.get(f"{stack.gateway_url}/readyz", timeout=10)
        assert readiness.status_code == 503
        assert readiness.json()["checks"]["measure"] == "unavailable"
    finally:
        stack.start(names=("measure",))
    assert httpx.get(f"{stack.url('measure')}/readyz", timeout=10).status_code == 200


def test_migrations_run_twice_change_nothing(stack):
    stack.migrate()  # `make up` a second time on the same var/
    for service in SERVICES:
        assert httpx.get(f"{stack.url(service)}/readyz", timeout=10).status_code == 200


def run_up_until_ready(env: dict[str, str], log_path) -> subprocess.Popen:
    with log_path.open("w") as out:
        up = subprocess.Popen(
            [str(ROOT / ".venv/bin/python"), str(ROOT / "scripts/up.py")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while "gip-mesure is up" not in log_path.read_text() and time.monotonic() < deadline:
        if up.poll() is not None:
            break
        time.sleep(0.5)
    return up


def test_make_up_script_twice_then_sigterm_leaves_nothing_listening(tmp_path):
    """scripts/up.py — what `make up` runs after installing — on its own ports, started twice
    on the same state folder (a second `make up` works the same), stopped by SIGTERM."""
    ports = free_ports(("idp", "gateway", *SERVICES))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIP_")}
    env["GIP_UP_VAR_DIR"] = str(tmp_path / "var")
    env["GIP_UP_DEMO"] = "0"  # the demo loaders have their own tests; this one is about processes
    env.update({f"GIP_UP_PORT_{name.upper()}": str(port) for name, port in ports.items()})
    for attempt in (1, 2):
        log = tmp_path / f"up-{attempt}.log"
        up = run_up_until_ready(env, log)
        try:
            printed = log.read_text()
            assert "gip-mesure is up" in printed, printed
            assert f"http://127.0.0.1:{ports['gateway']}" in printed
            assert all(port_in_use(port) for port in ports.values())
        finally:
            up.send_signal(signal.SIGTERM)
            assert up.wait(timeout=30) == 0
        assert not [name for name, port in ports.items() if port_in_use(port)]


def test_a_busy_port_is_reported_not_ignored(tmp_path):
    stack = Stack(var_dir=tmp_path, python=str(ROOT / ".venv/bin/python"))
    stack.ports = free_ports(stack.ports)
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", stack.ports["tenants"]))
        s.listen()
        with pytest.raises(RuntimeError, match="tenants"):
            stack.start(names=("tenants",))


def test_every_service_api_path_is_routed_by_the_gateway(stack, gateway):
    """A service that grows a new resource must not be unreachable through the gateway."""
    merged = gateway.get("/openapi.json").json()
    for _ in range(5):  # a slow first fetch is retried by the gateway after 5 s
        if not merged["info"].get("x-unavailable"):
            break
        time.sleep(6)
        merged = gateway.get("/openapi.json").json()
    assert merged["info"].get("x-unavailable") == []
    for service in SERVICES:
        own = httpx.get(f"{stack.url(service)}/openapi.json", timeout=10).json()
        for path in own["paths"]:
            if path.startswith("/api/v1/"):
                assert path in merged["paths"], f"{service} {path} is not routed"
                for operation in merged["paths"][path].values():
                    if isinstance(operation, dict) and "x-service" in operation:
                        assert operation["x-service"] == service, path
