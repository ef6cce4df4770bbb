"""The console's pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from gateway.console.api import ConsoleApi
from gateway.console.dashboard import load_dashboard
from gateway.console.deps import SessionDep
from gateway.console.errors import ApiError
from gateway.console.formatting import today_paris
from gateway.console.pages import message_page, render
from gateway.console.periods import current_school_year, parse_period
from gateway.console.sessions import ConsoleSession

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("")
async def console_root() -> RedirectResponse:
    return RedirectResponse("/console/", status_code=307)


def default_scope(session: ConsoleSession) -> str:
    if session.principal.is_platform or not session.principal.organization:
        return "national"
    return f"member:{session.principal.organization}"


async def scope_choices(api: ConsoleApi, session: ConsoleSession) -> list[tuple[str, str]]:
    """The scopes this user may pick: their member and its projects; everything for the GIP."""
    choices: list[tuple[str, str]] = []
    if session.principal.is_platform:
        choices.append(("national", "National"))
    try:
        members = await api.get("/api/v1/members", limit=500)
        for m in members.get("items", []):
            choices.append((f"member:{m['slug']}", m.get("name", m["slug"])))
        projects = await api.get("/api/v1/projects", limit=500)
        for p in projects.get("items", []):
            choices.append((f"project:{p['slug']}", f"Projet ENT — {p.get('name', p['slug'])}"))
    except ApiError:
        pass  # tenants unavailable: the user's own scope is still offered below
    own = default_scope(session)
    if own not in {value for value, _ in choices}:
        choices.insert(0, (own, session.principal.organization or "National"))
    return choices


@router.get("/", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    session: SessionDep,
    scope: Annotated[str | None, Query(max_length=120)] = None,
    period: Annotated[str | None, Query(max_length=20)] = None,
    start: Annotated[str | None, Query(max_length=10)] = None,
    end: Annotated[str | None, Query(max_length=10)] = None,
) -> HTMLResponse:
    api = ConsoleApi(request, session)
    today = today_paris()  # the machine may run on UTC: around midnight, Paris has the say
    choices = await scope_choices(api, session)
    scope = scope or default_scope(session)
    if scope not in {value for value, _ in choices}:
        # The console never widens what the APIs allow: an unknown or foreign scope is
        # answered like the API would, without a hint that it exists.
        return message_page(
            request,
            session,
            status_code=404,
            title="Périmètre introuvable",
            message="Ce périmètre n'existe pas ou ne vous est pas accessible.",
        )
    try:
        chosen = parse_period(period, today=today, start=start, end=end)
    except ValueError as exc:
        return message_page(
            request,
            session,
            status_code=422,
            title="Période invalide",
            message=str(exc),
        )
    board = await load_dashboard(api, scope=scope, period=chosen)
    return render(
        request,
        "dashboard.html",
        session,
        board=board,
        scope=scope,
        choices=choices,
        period_value="personnalisée" if chosen.chosen else (period or current_school_year(today)),
        start=start or "",
        end=end or "",
    )
