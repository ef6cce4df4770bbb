"""Spans are produced for requests, named by route template, and leave the process scrubbed."""

import httpx
import pytest
from fastapi import APIRouter
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gipkit.app import create_app
from gipkit.settings import ServiceSettings
from gipkit.telemetry import providers

pytestmark = pytest.mark.anyio

router = APIRouter()


@router.get("/collect")
async def collect() -> dict:
    return {}


async def test_request_spans_are_exported_without_personal_data(tokens):
    exporter = InMemorySpanExporter()
    tracer_provider, _ = providers("telemetry-test", exporter=exporter)
    app = create_app(
        name="telemetry-test",
        settings=ServiceSettings(env="test"),
        routers=[router],
        use_database=False,
    )
    app.state.verifier = tokens.verifier()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get(
                "/collect?s=123456&idclient=PERSON-42",
                headers={"User-Agent": "Mozilla/5.0 (RawAgent)"},
            )
    assert response.status_code == 200
    tracer_provider.force_flush()
    spans = exporter.get_finished_spans()
    server = [s for s in spans if s.name == "GET /collect"]
    assert server, [s.name for s in spans]
    # One span for the request: no spans of its own for each ASGI message received or sent.
    assert [s.name for s in spans] == ["GET /collect"]
    exported = repr([dict(s.attributes or {}) for s in spans])
    assert "PERSON-42" not in exported
    assert "203.0.113.9" not in exported
    assert "RawAgent" not in exported
    assert server[0].attributes.get("http.route") == "/collect"
