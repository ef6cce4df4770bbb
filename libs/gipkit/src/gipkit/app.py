"""`create_app`: a FastAPI application with everything a gip-mesure service needs.

Health (`/healthz`), readiness (`/readyz`: database and declared peers), Prometheus
`/metrics`, problem+json errors, request ids, OpenTelemetry, CORS, token verification and
service-to-service clients. A service only adds its routers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel

from gipkit import heap
from gipkit.auth import JWKSCache, TokenVerifier
from gipkit.db import Database
from gipkit.errors import ServiceUnavailable, install_error_handlers, problem_responses
from gipkit.http import ClientCredentials, ServiceClient, TokenProvider
from gipkit.metrics import HttpMetrics, MetricsMiddleware, metrics_endpoint
from gipkit.middleware import RequestIdMiddleware
from gipkit.openapi import install_openapi
from gipkit.settings import ServiceSettings
from gipkit.telemetry import fastapi_telemetry, instrument_clients

Hook = Callable[[FastAPI], Awaitable[None]]


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


def _ops_router(use_database: bool) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", response_model=Health, summary="The process is up")
    async def healthz() -> Health:
        return Health(status="ok")

    @router.get(
        "/readyz",
        response_model=Readiness,
        summary="The database and every required peer answer",
        responses=problem_responses(503),
    )
    async def readyz(request: Request) -> Readiness:
        checks: dict[str, str] = {}
        if use_database:
            try:
                await request.app.state.db.ping()
                checks["database"] = "ok"
            except Exception:
                checks["database"] = "unavailable"
        peers: dict[str, ServiceClient] = request.app.state.peers
        names = list(peers)
        results = await asyncio.gather(*(peers[n].ready() for n in names))
        checks.update(
            {n: "ok" if ok else "unavailable" for n, ok in zip(names, results, strict=True)}
        )
        failing = sorted(k for k, v in checks.items() if v != "ok")
        if failing:
            raise ServiceUnavailable(
                f"not ready: {', '.join(failing)}",
                headers={"Retry-After": "5"},
                extra={"checks": checks},
            )
        return Readiness(status="ok", checks=checks)

    router.add_api_route("/metrics", metrics_endpoint, include_in_schema=False)
    return router


def create_app(
    *,
    name: str,
    settings: ServiceSettings,
    routers: Iterable[APIRouter] = (),
    peers: Iterable[str] = (),
    use_database: bool = True,
    on_startup: Iterable[Hook] = (),
    on_shutdown: Iterable[Hook] = (),
    description: str = "",
    version: str = "1.0.0",
) -> FastAPI:
    """Build a service. `peers` names the services it calls (`tenants`, `measure`, …); their
    URLs come from settings (`GIP_PEER_<NAME>`) and `/readyz` checks each one."""
    peer_urls = {p: str(getattr(settings, f"peer_{p}")) for p in peers}
    startup, shutdown = list(on_startup), list(on_shutdown)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            # Tests (and the gateway) may have put their own objects on app.state already.
            if use_database and getattr(app.state, "db", None) is None:
                app.state.db = Database.from_url(settings.database_url)
                stack.push_async_callback(app.state.db.dispose)
            if getattr(app.state, "verifier", None) is None:
                app.state.verifier = TokenVerifier(
                    keys=JWKSCache.from_url(settings.jwks_url),
                    issuer=settings.issuer,
                    audience=settings.oidc_audience,
                )
            # One client per peer, sharing one token provider (the service's own client).
            tokens = TokenProvider(
                ClientCredentials(
                    idp_url=settings.idp_url,
                    realm=settings.realm,
                    client_id=settings.client_id,
                    client_secret=settings.client_secret.get_secret_value(),
                )
            )
            stack.push_async_callback(tokens.aclose)
            app.state.peers = {}
            for peer, url in peer_urls.items():
                app.state.peers[peer] = ServiceClient(peer, url, tokens=tokens)
                stack.push_async_callback(app.state.peers[peer].aclose)
            for hook in startup:
                await hook(app)
            heap.settle_for(settings)
            try:
                yield
            finally:
                for hook in shutdown:
                    await hook(app)

    app = FastAPI(
        title=f"gip-mesure {name}",
        description=description,
        version=version,
        lifespan=lifespan,
        responses=problem_responses(500),
        telemetry=fastapi_telemetry(name),
    )
    app.state.settings = settings
    app.state.service_name = name
    app.state.peer_urls = peer_urls
    app.state.metrics = HttpMetrics(name)

    install_error_handlers(app)
    install_openapi(app)
    app.include_router(_ops_router(use_database))
    for router in routers:
        app.include_router(router)

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID", "Idempotency-Key"],
            expose_headers=[
                "X-Request-ID",
                "ETag",
                "Location",
                "Retry-After",
                "Idempotency-Replayed",
            ],
        )
    instrument_clients(name)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    # Outermost: every log line, span and answer of the request carries the id.
    app.add_middleware(RequestIdMiddleware)
    return app
