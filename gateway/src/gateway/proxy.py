"""The streaming reverse proxy: `/api/v1/...` and `/collect` to the service that owns them.

One `httpx.AsyncClient` (created in the app's lifespan) carries every forwarded request. The
request goes out as it came in — method, raw path, raw query string, headers minus the
hop-by-hop ones, body streamed — plus `X-Forwarded-*`, `X-Request-ID` and the W3C trace
context. The answer comes back as the peer sent it (status, headers minus hop-by-hop, body
bytes untouched, so a gzip body stays compressed), streamed.

Before forwarding, the gateway verifies the bearer token of protected routes (the peer checks
it again: the gateway is the first line, not the only one) and charges the caller's token
bucket.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from http.cookiejar import Cookie, CookieJar
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request
from opentelemetry import propagate
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect
from starlette.responses import Response, StreamingResponse

from gateway.ratelimit import TokenBucketLimiter, client_key
from gateway.routing import PEERS, Route, resolve
from gateway.settings import Settings
from gipkit.auth import Principal, TokenVerifier
from gipkit.context import request_id_var
from gipkit.errors import (
    BadGateway,
    GatewayTimeout,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
)

log = logging.getLogger("gateway.proxy")

# RFC 9110 §7.6.1: meaningful for one connection only, never forwarded (either way).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
# Request headers the gateway sets itself, so a caller cannot choose their values: the peer
# must be able to trust X-Forwarded-For (measure tells inside from outside by it), the request
# id and trace context are the gateway's, and Host is the peer's. `Expect` is answered by our
# own server.
_REQUEST_OVERRIDDEN = frozenset(
    {
        "host",
        "expect",
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
        "x-forwarded-port",
        "x-real-ip",
        "x-request-id",
        "traceparent",
        "tracestate",
        "baggage",
    }
)
# The gateway's server writes its own Date and Server: the peer's would be duplicates.
_RESPONSE_OVERRIDDEN = frozenset({"date", "server"})

PROXY_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class _NoCookies(CookieJar):
    """The shared client must not remember one caller's cookies (nor grow with them)."""

    def set_cookie(self, cookie: Cookie) -> None:
        return None

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None


def _connection_tokens(headers: Iterable[tuple[bytes, bytes]]) -> set[str]:
    """Header names listed in `Connection`: hop-by-hop for this connection too."""
    names: set[str] = set()
    for key, value in headers:
        if key.lower() == b"connection":
            names.update(t.strip().lower() for t in value.decode("latin-1").split(",") if t.strip())
    return names


def strip_hop_by_hop(
    headers: Iterable[tuple[bytes, bytes]], also: frozenset[str] = frozenset()
) -> list[tuple[bytes, bytes]]:
    """`headers` without the hop-by-hop ones (fixed list, `Proxy-*`, those named in
    `Connection`) and without `also`. Order and repeated headers are kept."""
    headers = list(headers)
    dropped = HOP_BY_HOP | also | _connection_tokens(headers)
    kept = []
    for key, value in headers:
        name = key.decode("latin-1").lower()
        if name in dropped or name.startswith("proxy-"):
            continue
        kept.append((key, value))
    return kept


def build_client(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(
            connect=settings.proxy_connect_timeout,
            read=settings.proxy_read_timeout,
            write=settings.proxy_write_timeout,
            pool=settings.proxy_pool_timeout,
        ),
        limits=httpx.Limits(
            max_connections=settings.proxy_max_connections,
            max_keepalive_connections=settings.proxy_max_keepalive,
        ),
        follow_redirects=False,
        trust_env=False,  # no proxy or .netrc from the environment between us and the peers
        cookies=_NoCookies(),
    )


class Proxy:
    """Forwards requests to the peers over one shared client."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        peer_urls: Mapping[str, str],
        *,
        retry_after: int = 5,
    ) -> None:
        self.client = client
        self.peers = {name: httpx.URL(url) for name, url in peer_urls.items()}
        self.retry_after = retry_after

    async def aclose(self) -> None:
        await self.client.aclose()

    def upstream_url(self, service: str, scope: Mapping[str, Any]) -> httpx.URL:
        """The peer's base URL plus the request's raw path and raw query string."""
        base = self.peers[service]
        raw_path: bytes | None = scope.get("raw_path")
        if raw_path is None:
            raw_path = httpx.URL(path=scope["path"]).raw_path
        raw_path = raw_path.split(b"?", 1)[0]
        query: bytes = scope.get("query_string", b"")
        target = base.raw_path.split(b"?", 1)[0].rstrip(b"/") + raw_path
        if query:
            target += b"?" + query
        return base.copy_with(raw_path=target)

    @staticmethod
    def request_headers(request: Request) -> list[tuple[bytes, bytes]]:
        headers = strip_hop_by_hop(request.headers.raw, _REQUEST_OVERRIDDEN)
        if request.client is not None and request.client.host:
            headers.append((b"x-forwarded-for", request.client.host.encode("latin-1")))
        headers.append((b"x-forwarded-proto", request.url.scheme.encode("latin-1")))
        host = request.headers.get("host")
        if host:
            headers.append((b"x-forwarded-host", host.encode("latin-1")))
        request_id = request_id_var.get()
        if request_id:
            headers.append((b"x-request-id", request_id.encode("latin-1")))
        carrier: dict[str, str] = {}
        propagate.inject(carrier)  # traceparent (and tracestate) of the current span
        headers.extend((k.encode("latin-1"), v.encode("latin-1")) for k, v in carrier.items())
        return headers

    async def forward(self, request: Request, service: str) -> Response:
        has_body = "content-length" in request.headers or "transfer-encoding" in request.headers
        upstream_request = httpx.Request(
            request.method,
            self.upstream_url(service, request.scope),
            headers=self.request_headers(request),
            content=request.stream() if has_body else None,
        )
        retry = {"Retry-After": str(self.retry_after)}
        try:
            upstream = await self.client.send(upstream_request, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            log.warning("%s is unreachable: %s", service, type(exc).__name__)
            raise ServiceUnavailable(
                f"the {service} service is unavailable", headers=retry
            ) from exc
        except httpx.PoolTimeout as exc:
            log.warning("no connection to %s available in time", service)
            raise ServiceUnavailable("the gateway is overloaded", headers=retry) from exc
        except httpx.TimeoutException as exc:
            log.warning("%s did not answer in time: %s", service, type(exc).__name__)
            raise GatewayTimeout(f"the {service} service did not answer in time") from exc
        except ClientDisconnect:
            log.info("client went away while its request was forwarded to %s", service)
            return Response(status_code=400)
        except (httpx.RemoteProtocolError, httpx.NetworkError) as exc:
            log.warning("%s failed: %s", service, type(exc).__name__)
            raise BadGateway(f"the {service} service gave no valid answer") from exc

        async def body() -> AsyncIterator[bytes]:
            try:
                async for chunk in upstream.aiter_raw():
                    yield chunk
            finally:
                await upstream.aclose()

        response = StreamingResponse(
            body(),
            status_code=upstream.status_code,
            # Also run when the client disconnects before the body was consumed.
            background=BackgroundTask(upstream.aclose),
        )
        response.raw_headers = strip_hop_by_hop(upstream.headers.raw, _RESPONSE_OVERRIDDEN)
        return response


def _authorization(request: Request) -> tuple[str | None, bool]:
    """The bearer token if there is one, and whether any Authorization header was sent."""
    values = request.headers.getlist("authorization")
    if len(values) != 1:
        return None, bool(values)
    scheme, _, token = values[0].partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None, True
    return token, True


async def _authenticate(
    request: Request,
) -> tuple[Principal | None, Unauthorized | None]:
    token, sent = _authorization(request)
    if token is None:
        if sent:
            return None, Unauthorized("a single bearer token is required")
        return None, None
    verifier: TokenVerifier = request.app.state.verifier
    try:
        return await verifier.verify(token), None
    except Unauthorized as exc:
        return None, exc


def _client_address(request: Request) -> str | None:
    # The address that connected to us (uvicorn replaces it from X-Forwarded-For only for the
    # proxies it is told to trust). Used as a bucket key; never logged.
    return request.client.host if request.client is not None else None


async def proxy_endpoint(request: Request) -> Response:
    route: Route | None = resolve(request.url.path)
    if route is None:
        raise NotFound("no service answers this path")
    principal, auth_error = await _authenticate(request)
    limiter: TokenBucketLimiter = request.app.state.rate_limiter
    decision = limiter.acquire(client_key(principal, _client_address(request)))
    if not decision.allowed:
        raise TooManyRequests(
            "too many requests; slow down", headers={"Retry-After": str(decision.retry_after)}
        )
    if not route.public:
        if auth_error is not None:
            raise auth_error
        if principal is None:
            raise Unauthorized("a bearer token is required")
    # On a public route a token is only used to pick the bucket; it is forwarded unchanged
    # and the service decides what it means.
    request.state.principal = principal
    proxy: Proxy = request.app.state.proxy
    return await proxy.forward(request, route.service)


def proxy_router() -> APIRouter:
    """The catch-all routes. Include this router last: it answers every `/api/v1/...` path."""
    router = APIRouter()
    for path in ("/api/v1/{path:path}", "/collect"):
        router.add_api_route(path, proxy_endpoint, methods=PROXY_METHODS, include_in_schema=False)
    return router


async def start_proxy(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    if getattr(app.state, "proxy", None) is None:
        app.state.proxy = Proxy(
            build_client(settings),
            {name: app.state.peer_urls[name] for name in PEERS},
            retry_after=settings.proxy_retry_after,
        )


async def stop_proxy(app: FastAPI) -> None:
    proxy: Proxy | None = getattr(app.state, "proxy", None)
    if proxy is not None:
        await proxy.aclose()
        app.state.proxy = None
