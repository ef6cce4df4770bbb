"""The routers services build on: undeclared and repeated query parameters are refused, 405
answers list every method of the resource, and today is a Paris day."""

from datetime import UTC, datetime
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI, Query

from gipkit.allow import install_allow_header
from gipkit.clock import paris_day
from gipkit.errors import install_error_handlers
from gipkit.routing import api_router

pytestmark = pytest.mark.anyio


def _page(limit: Annotated[int, Query()] = 10) -> int:
    return limit


def make_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    install_allow_header(app)
    router = api_router("/api/v1/things", tags=["things"])

    @router.get("")
    async def things(
        limit: Annotated[int, Depends(_page)], college: str | None = None
    ) -> dict[str, object]:
        return {"limit": limit, "college": college}

    @router.post("", status_code=201)
    async def create() -> dict[str, str]:
        return {}

    app.include_router(router)
    return app


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_declared_parameters_pass_even_through_a_dependency(client):
    response = await client.get("/api/v1/things", params={"limit": 3, "college": "cdc"})
    assert response.status_code == 200
    assert response.json() == {"limit": 3, "college": "cdc"}


async def test_an_undeclared_parameter_is_refused(client):
    response = await client.get("/api/v1/things", params={"colege": "cdc"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"field": "query.colege", "reason": "not a parameter of this operation"}
    ]


async def test_a_repeated_parameter_is_refused(client):
    response = await client.get("/api/v1/things?limit=1&limit=500&x=1&x=2")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "query.x", "reason": "not a parameter of this operation"},
        {"field": "query.limit", "reason": "given more than once"},
    ]


async def test_405_lists_every_method_of_the_resource(client):
    response = await client.put("/api/v1/things")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 405


def test_a_paris_day_starts_at_paris_midnight():
    assert paris_day(datetime(2026, 1, 14, 22, 59, tzinfo=UTC)).isoformat() == "2026-01-14"
    assert paris_day(datetime(2026, 1, 14, 23, 0, tzinfo=UTC)).isoformat() == "2026-01-15"
