"""The gateway: one entry point for browsers, partners and ENT servers.

`/api/v1/...` and `/collect` are forwarded to the service that owns them (see `routing`),
`/openapi.json` merges every service's API, `/readyz` checks every service. `/console`
(server-rendered pages) is left to its own router, to be included before the proxy.
"""

from fastapi import FastAPI

from gateway.console.install import install_console
from gateway.openapi import install_spec_cache, openapi_router, remove_default_docs
from gateway.proxy import proxy_router, start_proxy, stop_proxy
from gateway.ratelimit import TokenBucketLimiter
from gateway.routing import PEERS
from gateway.settings import Settings
from gipkit.app import create_app


def create(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_app(
        name="gateway",
        settings=settings,
        use_database=False,
        peers=PEERS,
        description="The gip-mesure platform's entry point: every service's API behind one "
        "address, with token verification and per-client rate limits.",
        # The proxy's catch-all comes last: routers added later must not start with /api/v1.
        routers=[openapi_router(), proxy_router()],
        on_startup=[start_proxy],
        on_shutdown=[stop_proxy],
    )
    remove_default_docs(app)
    install_console(app)
    install_spec_cache(
        app, ttl=settings.openapi_cache_seconds, timeout=settings.openapi_fetch_timeout
    )
    app.state.rate_limiter = TokenBucketLimiter(
        per_minute=settings.rate_limit_per_minute,
        burst=settings.rate_limit_burst,
        max_keys=settings.rate_limit_max_clients,
    )
    return app
