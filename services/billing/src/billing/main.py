"""The billing service: catalogue, subscriptions, allocation, invoices."""

from fastapi import FastAPI

from billing.allocations import router as allocations
from billing.catalogue import router as catalogue
from billing.common.openapi import install_openapi_additions
from billing.entitlements import router as entitlements
from billing.invoices import router as invoices
from billing.payments import router as payments
from billing.settings import Settings
from billing.subscriptions import router as subscriptions
from billing.usage import router as usage
from gipkit.allow import install_allow_header
from gipkit.app import create_app


def create(settings: Settings | None = None) -> FastAPI:
    app = create_app(
        name="billing",
        settings=settings or Settings(),
        description="Who pays what: catalogue, subscriptions, allocation, invoices.",
        routers=[
            catalogue.router,
            subscriptions.router,
            entitlements.router,
            allocations.router,
            *invoices.routers,
            payments.router,
            usage.router,
        ],
        peers=["tenants", "measure"],
    )
    install_allow_header(app)
    install_openapi_additions(app)
    return app
