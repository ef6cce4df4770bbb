import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from gipkit.errors import (
    Conflict,
    FieldError,
    NotFound,
    install_error_handlers,
    problem_responses,
)
from gipkit.http import PeerNotFound, PeerTimeout, PeerUnavailable

pytestmark = pytest.mark.anyio


class Thing(BaseModel):
    count: int


def make_app() -> FastAPI:
    app = FastAPI(responses=problem_responses(500))
    install_error_handlers(app)

    @app.get("/missing")
    async def missing() -> None:
        raise NotFound("member not found")

    @app.get("/conflict")
    async def conflict() -> None:
        raise Conflict(
            "overlaps", errors=[FieldError(field="valid_from", reason="overlap")], extra={"x": 1}
        )

    @app.post("/things")
    async def things(thing: Thing) -> Thing:
        return thing

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    @app.get("/peer/{kind}")
    async def peer(kind: str) -> None:
        raise {
            "down": PeerUnavailable("tenants", None, {}, retry_after=7),
            "slow": PeerTimeout("tenants", None, {}),
            "odd": PeerNotFound("tenants", 404, {"detail": "x"}),
        }[kind]

    return app


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=make_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_gip_error_is_problem_json(client):
    r = await client.get("/missing")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"].endswith("/not-found")
    assert body["title"] == "Not Found"
    assert body["detail"] == "member not found"
    assert body["instance"] == "/missing"


async def test_field_errors_and_extensions(client):
    body = (await client.get("/conflict")).json()
    assert body["status"] == 409
    assert body["errors"] == [{"field": "valid_from", "reason": "overlap"}]
    assert body["x"] == 1


async def test_validation_errors_name_the_field(client):
    r = await client.post("/things", json={"count": "many"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    fields = [e["field"] for e in r.json()["errors"]]
    assert fields == ["body.count"]


async def test_unexpected_error_hides_its_detail(client):
    r = await client.get("/boom")
    assert r.status_code == 500
    assert "secret internal detail" not in r.text
    assert "Traceback" not in r.text
    assert r.json()["title"] == "Internal Server Error"


@pytest.mark.parametrize(("kind", "status"), [("down", 503), ("slow", 504), ("odd", 502)])
async def test_peer_errors_become_gateway_statuses(client, kind, status):
    r = await client.get(f"/peer/{kind}")
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    if status == 503:
        assert r.headers["retry-after"] == "7"


def test_declared_responses_use_the_problem_schema():
    declared = problem_responses(404, 409)
    assert set(declared) == {404, 409}
    assert "application/problem+json" in declared[404]["content"]
