import json
import logging

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from gipkit.context import request_id_var
from gipkit.metrics import HttpMetrics, MetricsMiddleware, metrics_endpoint
from gipkit.telemetry import JsonFormatter, redact, scrub_attributes

pytestmark = pytest.mark.anyio


def test_json_log_carries_trace_and_request_ids_and_no_token():
    tracer = TracerProvider().get_tracer("t")
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "calling with Bearer eyJabc.def.ghi", (), None
    )
    token = request_id_var.set("req-1")
    try:
        with tracer.start_as_current_span("s") as span:
            line = json.loads(JsonFormatter().format(record))
            assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    finally:
        request_id_var.reset(token)
    assert line["request_id"] == "req-1"
    assert "eyJ" not in line["message"]
    assert line["level"] == "INFO"


def test_redact_masks_jwts_anywhere():
    jwt_like = "eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl"
    assert jwt_like not in redact(f"token={jwt_like}")


def test_redact_masks_query_strings_of_urls_and_paths():
    line = 'HTTP Request: GET http://measure:8003/collect?s=123456&idclient=PERSON42 "200 OK"'
    assert "PERSON42" not in redact(line)
    assert "http://measure:8003/collect?[query redacted]" in redact(line)
    assert "PERSON42" not in redact("GET /collect?idclient=PERSON42 HTTP/1.1")
    assert redact("no url here? fine") == "no url here? fine"


def test_span_attributes_lose_personal_data():
    clean = scrub_attributes(
        {
            "client.address": "10.1.2.3",
            "user_agent.original": "Mozilla/5.0",
            "http.target": "/collect?s=123456&idclient=PERSON42",
            "url.query": "idclient=PERSON42",
            "http.route": "/collect",
        }
    )
    assert clean == {"http.target": "/collect", "http.route": "/collect"}


async def test_metrics_by_route_template_and_status():
    app = FastAPI()
    app.state.metrics = HttpMetrics("demo")

    @app.get("/members/{slug}")
    async def member(slug: str) -> dict:
        return {"slug": slug}

    app.add_api_route("/metrics", metrics_endpoint)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        await c.get("/members/hauts-de-seine")
        await c.get("/members/ile-de-france")
        await c.get("/nope/123")
        text = (await c.get("/metrics")).text
    assert (
        'http_requests_total{method="GET",route="/members/{slug}",service="demo",status="200"} 2.0'
        in text
    )
    assert "hauts-de-seine" not in text
    assert 'route="<unmatched>",service="demo",status="404"' in text
