"""The chassis every service gets from `gipkit.app`, tested as each service serves it: a
service's `test_ops.py` imports these tests, which run there with its own `app` and `client`
fixtures (gipkit.testing.fixtures).

    from gipkit.testing.chassis import *  # noqa: F403

    SERVICE = "measure"  # the name its metrics must carry

Readiness differs between services (peers or none), so it is tested by `test_readyz` here
against the peers the service itself declares.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

__all__ = [
    "test_healthz",
    "test_metrics_label_by_route_template",
    "test_readyz_checks_the_database_and_every_peer",
    "test_request_id_is_kept_or_made",
    "test_unknown_route_is_problem_json",
]


@pytest.mark.anyio
async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.anyio
async def test_readyz_checks_the_database_and_every_peer(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # The test settings point every peer at a closed port: a service with peers is not ready.
    response = await client.get("/readyz")
    checks = response.json()["checks"]
    assert checks.pop("database") == "ok"
    assert set(checks) == set(app.state.peer_urls)
    if not checks:
        assert response.status_code == 200
        return
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert set(checks.values()) == {"unavailable"}


@pytest.mark.anyio
async def test_unknown_route_is_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


@pytest.mark.anyio
async def test_request_id_is_kept_or_made(client: httpx.AsyncClient) -> None:
    kept = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert kept.headers["x-request-id"] == "abc-123"
    made = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith tab"})
    assert made.headers["x-request-id"] != "bad id\twith tab"
    assert len(made.headers["x-request-id"]) == 32


@pytest.mark.anyio
async def test_metrics_label_by_route_template(
    client: httpx.AsyncClient, request: pytest.FixtureRequest
) -> None:
    await client.get("/healthz")
    await client.get("/api/v1/nowhere/42")
    text = (await client.get("/metrics")).text
    assert 'route="/healthz"' in text
    assert "/api/v1/nowhere/42" not in text
    assert f'service="{request.module.SERVICE}"' in text
