"""The billing service."""

from fastapi import FastAPI

from billing.settings import Settings
from gipkit.app import create_app


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(
        name="billing",
        settings=settings or Settings(),
        description="Who pays what: catalogue, subscriptions, allocation, invoices.",
        routers=[],
        peers=["tenants", "measure"],
    )
