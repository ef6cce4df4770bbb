"""Per-request context shared by logging, the HTTP client and the middleware."""

from __future__ import annotations

from contextvars import ContextVar

# Set by the request-id middleware for the duration of a request; read by the JSON log
# formatter and propagated by the service-to-service client.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
