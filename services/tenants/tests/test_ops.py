"""The chassis as tenants serves it: health, readiness, metrics, errors, request ids."""

import pytest

pytestmark = pytest.mark.anyio


async def test_healthz(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_the_database(client):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok"}


async def test_unknown_route_is_problem_json(client):
    response = await client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


async def test_request_id_is_kept_or_made(client):
    kept = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert kept.headers["x-request-id"] == "abc-123"
    made = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith tab"})
    assert made.headers["x-request-id"] != "bad id\twith tab"
    assert len(made.headers["x-request-id"]) == 32


async def test_metrics_label_by_route_template(client):
    await client.get("/healthz")
    await client.get("/api/v1/nowhere/42")
    text = (await client.get("/metrics")).text
    assert 'route="/healthz"' in text
    assert "/api/v1/nowhere/42" not in text
    assert 'service="tenants"' in text


async def test_405_lists_every_method_of_the_resource(client):
    response = await client.put("/api/v1/members")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"] == "application/problem+json"
