"""The reports service."""

from fastapi import FastAPI

from gipkit.allow import install_allow_header
from gipkit.app import create_app
from reports.entitlement.service import EntitlementCache
from reports.notes import router as notes
from reports.open_data import router as open_data
from reports.partner import router as partner
from reports.settings import Settings
from reports.usage import loop as usage_loop


def create(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_app(
        name="reports",
        settings=settings,
        description="What is told: synthesis notes, partner API, open data.",
        routers=[notes.router, partner.router, *open_data.routers],
        peers=["measure", "billing", "tenants"],
        on_startup=[usage_loop.start],
        on_shutdown=[usage_loop.stop],
    )
    install_allow_header(app)
    app.state.entitlement_cache = EntitlementCache(ttl_seconds=settings.entitlement_cache_seconds)
    return app
