"""The tenants service: members, establishments, ENT projects, IdP provisioning."""

from fastapi import FastAPI

from gipkit.allow import install_allow_header
from gipkit.app import create_app
from tenants.clients import router as clients
from tenants.common.openapi import install_openapi_additions
from tenants.establishments import router as establishments
from tenants.idp import router as idp
from tenants.idp.deps import close_idp, open_idp
from tenants.members import router as members
from tenants.projects import router as projects
from tenants.settings import Settings
from tenants.users import router as users


def create(settings: Settings | None = None) -> FastAPI:
    app = create_app(
        name="tenants",
        settings=settings or Settings(),
        description="Who takes part: members, establishments and ENT projects.",
        routers=[
            members.router,
            users.router,
            establishments.router,
            projects.router,
            clients.router,
            idp.router,
        ],
        on_startup=[open_idp],
        on_shutdown=[close_idp],
    )
    install_allow_header(app)
    install_openapi_additions(app)
    return app
