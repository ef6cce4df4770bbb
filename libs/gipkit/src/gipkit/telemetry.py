"""OpenTelemetry providers and JSON logs. The only module that builds telemetry providers.

Traces and metrics are exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set
(compose and k8s run a collector); otherwise spans are still created, so trace ids appear in
logs and propagate to peers, but nothing is exported.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime
from typing import Any

from fastapi.telemetry import TelemetryConfig
from opentelemetry import metrics, trace
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

from gipkit.context import request_id_var

_providers: dict[str, tuple[TracerProvider, metrics.MeterProvider]] = {}

# Anything that looks like a bearer token or a JWT is masked before a log line is written.
_SECRET_PATTERNS = (
    re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
)


# Query strings of URLs are masked too: the browser tag carries a person id in its query
# (`idclient`), and a proxy or client logging the URL would write it (DESIGN.md §4).
_QUERY = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s?#\"']+|\s/[^\s?#\"']*)\?[^\s#\"']*")


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub("[redacted]", text)
    return _QUERY.sub(r"\1?[query redacted]", text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line with the trace and request ids of the current context."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            entry["trace_id"] = format(span.trace_id, "032x")
            entry["span_id"] = format(span.span_id, "016x")
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        service = getattr(record, "service", None) or os.environ.get("OTEL_SERVICE_NAME")
        if service:
            entry["service"] = service
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


# Span attributes that would carry personal data (client IP, user agent) or, in a query string,
# a person id (`/collect?idclient=…`). They never leave the process.
_DROPPED_ATTRIBUTES = frozenset(
    {
        "client.address",
        "client.port",
        "net.peer.ip",
        "net.peer.port",
        "net.sock.peer.addr",
        "net.sock.peer.port",
        "network.peer.address",
        "network.peer.port",
        "http.client_ip",
        "http.user_agent",
        "user_agent.original",
    }
)
_URL_ATTRIBUTES = frozenset({"http.url", "url.full", "http.target", "url.query"})


def scrub_attributes(attributes: Any) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in dict(attributes or {}).items():
        if key in _DROPPED_ATTRIBUTES:
            continue
        if key in _URL_ATTRIBUTES and isinstance(value, str):
            if key == "url.query":
                continue
            value = value.split("?", 1)[0]
        clean[key] = value
    return clean


class ScrubbingSpanExporter(SpanExporter):
    """Wraps an exporter and removes personal data from span attributes before export."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Any) -> SpanExportResult:
        cleaned = [
            ReadableSpan(
                name=s.name,
                context=s.context,
                parent=s.parent,
                resource=s.resource,
                attributes=scrub_attributes(s.attributes),
                events=s.events,
                links=s.links,
                kind=s.kind,
                status=s.status,
                start_time=s.start_time,
                end_time=s.end_time,
                instrumentation_scope=s.instrumentation_scope,
            )
            for s in spans
        ]
        return self.inner.export(cleaned)

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's access log prints client IPs: personal data we do not keep (DESIGN.md §4).
    logging.getLogger("uvicorn.access").disabled = True
    # httpx writes every request's URL at INFO: requests are traced, not logged one by one.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def providers(
    service_name: str, *, exporter: SpanExporter | None = None
) -> tuple[TracerProvider, metrics.MeterProvider]:
    """The process's tracer and meter providers for `service_name`, built once.

    `exporter` (tests) receives the spans, scrubbed like the OTLP ones."""
    if service_name in _providers:
        return _providers[service_name]
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service_name)})
    readers = []
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = exporter or OTLPSpanExporter()
        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
    if exporter is None:
        # Nowhere to send spans: they are not recorded, though each request still gets a
        # trace id for its log lines and passes it on.
        tracer_provider = TracerProvider(resource=resource, sampler=ALWAYS_OFF)
    else:
        # Sampled as OTEL_TRACES_SAMPLER says (every request by default).
        tracer_provider = TracerProvider(resource=resource)
        tracer_provider.add_span_processor(BatchSpanProcessor(ScrubbingSpanExporter(exporter)))
    # With no OTLP reader nothing would ever read OpenTelemetry's metrics (Prometheus has its
    # own, gipkit.metrics): a no-op provider spares every request recording them.
    meter_provider: metrics.MeterProvider = (
        MeterProvider(resource=resource, metric_readers=readers)
        if readers
        else metrics.NoOpMeterProvider()
    )
    if not _providers:
        # The global providers serve code that asks OpenTelemetry directly (propagation,
        # libraries); they can be set once per process.
        trace.set_tracer_provider(tracer_provider)
        metrics.set_meter_provider(meter_provider)
    _providers[service_name] = (tracer_provider, meter_provider)
    return tracer_provider, meter_provider


# Requests never traced: probes and scrapes, many a minute, would drown the real ones.
UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def _untraced(scope: Any) -> bool:
    return scope.get("path") in UNTRACED_PATHS


def fastapi_telemetry(service_name: str) -> TelemetryConfig:
    """FastAPI's own OpenTelemetry instrumentation, on this process's providers: one server
    span per request, named by route template (`POST /api/v1/hits`), and the HTTP server
    metrics when an OTLP reader is configured. Chosen over opentelemetry-instrumentation-
    fastapi: one middleware layer less, and no rebuilding of the route list for every
    request's span name."""
    tracer_provider, meter_provider = providers(service_name)
    return {
        "tracer_provider": tracer_provider,
        "meter_provider": meter_provider,
        "tracing": True,
        "metrics": True,
        # Exceptions are logged by gipkit's handlers (JSON lines, scrubbed), not as OTel logs.
        "logs": False,
        # One span per request, not one more per dependency and endpoint call.
        "operation_spans": False,
        "auto_configure": False,
        "exclude": _untraced,
    }


def instrument_clients(service_name: str) -> None:
    """Outgoing httpx calls get client spans and carry `traceparent` to the next service."""
    tracer_provider, _ = providers(service_name)
    instrumentor = HTTPXClientInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=tracer_provider)


def shutdown() -> None:
    for tracer_provider, meter_provider in _providers.values():
        tracer_provider.shutdown()
        if isinstance(meter_provider, MeterProvider):
            meter_provider.shutdown()
    _providers.clear()
