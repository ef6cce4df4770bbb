"""The tenants service: members, establishments, ENT projects, IdP provisioning."""

from fastapi import FastAPI

from gipkit.app import create_app
from tenants.settings import Settings


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(
        name="tenants",
        settings=settings or Settings(),
        description="Who takes part: members, establishments and ENT projects.",
        routers=[],
    )
