"""The reports service."""

from fastapi import FastAPI

from gipkit.app import create_app
from reports.settings import Settings


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(
        name="reports",
        settings=settings or Settings(),
        description="What is told: synthesis notes, partner API, open data.",
        routers=[],
        peers=["measure", "billing", "tenants"],
    )
