"""The measure service."""

from fastapi import FastAPI

from gipkit.app import create_app
from measure.settings import Settings


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(
        name="measure",
        settings=settings or Settings(),
        description="What is measured: hit ingestion, pseudonymisation, indicators.",
        routers=[],
        peers=["tenants"],
    )
