"""Mounts the console on the gateway: routes, static files, session cookies, error pages."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from gateway.console import admin, auth_routes, member, router
from gateway.console.cookie_writer import CookieWriter
from gateway.console.errors import ApiError, ConsoleForbidden, CsrfRefused, LoginRequired
from gateway.console.oidc import OIDCClient
from gateway.console.pages import message_page
from gateway.console.sealing import Sealer
from gateway.console.sessions import SessionCookies
from gipkit.errors import NotFound

HERE = Path(__file__).parent
# Browser libraries come from npm (gateway/web, `npm ci` at install); no build step.
WEB_MODULES = HERE.parents[3] / "gateway" / "web" / "node_modules"
VENDOR = {
    "htmx.min.js": WEB_MODULES / "htmx.org" / "dist" / "htmx.min.js",
    "uPlot.iife.min.js": WEB_MODULES / "uplot" / "dist" / "uPlot.iife.min.js",
    "uPlot.min.css": WEB_MODULES / "uplot" / "dist" / "uPlot.min.css",
}


async def vendor_file(name: str) -> Response:
    path = VENDOR.get(name)
    if path is None or not path.exists():
        raise NotFound("no such asset")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})


def install_console(app: FastAPI) -> None:
    settings = app.state.settings
    public = settings.public_url.rstrip("/")
    app.state.console_sessions = SessionCookies(
        sealer=Sealer(*(secret.get_secret_value() for secret in settings.secrets())),
        ttl_seconds=settings.console_session_seconds,
        # Only `dev` serves the console over plain http.
        secure=settings.env != "dev",
    )
    app.add_middleware(CookieWriter)
    app.state.console_oidc = OIDCClient(
        issuer=settings.issuer,
        backchannel=f"{settings.idp_url.rstrip('/')}/realms/{settings.realm}",
        client_id=settings.console_client_id,
        redirect_uri=f"{public}/console/auth/callback",
        post_logout_redirect_uri=f"{public}/console/",
    )
    app.include_router(auth_routes.router)
    app.include_router(router.router)
    app.include_router(member.router)
    app.include_router(admin.router)
    app.add_api_route("/console/static/vendor/{name}", vendor_file, include_in_schema=False)
    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/console/login?next={quote(exc.next_path)}", status_code=303)

    @app.exception_handler(ConsoleForbidden)
    async def _forbidden(request: Request, exc: ConsoleForbidden) -> HTMLResponse:
        return message_page(
            request,
            getattr(request.state, "console_session", None),
            status_code=403,
            title="Accès refusé",
            message="Votre rôle ne donne pas accès à cette page.",
        )

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> HTMLResponse:
        return message_page(
            request,
            getattr(request.state, "console_session", None),
            status_code=403,
            title="Formulaire expiré",
            message="Ce formulaire n'est plus valable (page trop ancienne ou ouverte dans une "
            "autre session). Rechargez la page et recommencez.",
        )

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> HTMLResponse:
        status = exc.status if exc.status in (403, 404, 409, 422) else 502
        return message_page(
            request,
            getattr(request.state, "console_session", None),
            status_code=status,
            title="Opération impossible",
            message=str(exc),
        )
