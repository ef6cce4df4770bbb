"""Open data: the weeks published (reports' API, public) with links to their files, and the
form publishing a closed week (gip-admin)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from gateway.console.admin.common import GipForm, GipSession, back, form_problem
from gateway.console.api import ConsoleApi
from gateway.console.errors import ApiError
from gateway.console.formatting import number, today_paris
from gateway.console.member.common import FormProblem, flash
from gateway.console.pages import render
from gateway.console.sessions import ConsoleSession

router = APIRouter(prefix="/console/admin/open-data", include_in_schema=False)
PAGE = "/console/admin/open-data"
API = "/api/v1/open-data"

WEEK = re.compile(r"^20[0-9]{2}-W(?:0[1-9]|[1-4][0-9]|5[0-3])$")
# Publishing gathers every establishment's week from measure: longer than an API answer.
PUBLISH_READ_TIMEOUT = 300.0
# reports' default: a week is closed one day after its Sunday.
DELAY_DAYS = 1
MESSAGES = {
    "published": "La semaine est publiée.",
    "already": "La semaine était déjà publiée : rien n'a changé.",
}
WeekQuery = Annotated[str | None, Query(max_length=8, pattern=WEEK.pattern)]


def last_closed_week(today: date) -> str:
    """The latest ISO week whose Sunday is more than `DELAY_DAYS` ago (`2026-W10`)."""
    last_day = today - timedelta(days=DELAY_DAYS + 1)
    sunday = last_day - timedelta(days=(last_day.weekday() + 1) % 7)
    year, week, _ = sunday.isocalendar()
    return f"{year}-W{week:02d}"


def _size(octets: int | None) -> str:
    if octets is None:
        return "—"
    if octets < 1024:
        return f"{number(octets)} o"
    if octets < 1024 * 1024:
        return f"{number(round(octets / 1024, 1))} Ko"
    return f"{number(round(octets / 1024 / 1024, 1))} Mo"


def _public_link(href: str | None) -> str | None:
    """Only the open-data API's own paths become links (served by this gateway, no token)."""
    return href if href and href.startswith(f"{API}/") and ".." not in href else None


@router.get("", response_class=HTMLResponse)
async def open_data_page(
    request: Request,
    session: GipSession,
    ok: Annotated[str | None, Query(max_length=20)] = None,
    week: WeekQuery = None,
) -> HTMLResponse:
    return await _page(request, session, ok=ok, highlight=week)


async def _page(
    request: Request,
    session: ConsoleSession,
    *,
    ok: str | None = None,
    highlight: str | None = None,
    problem: FormProblem | None = None,
    week: str | None = None,
) -> HTMLResponse:
    api = ConsoleApi(request, session)
    releases: list[dict[str, Any]] = []
    unavailable = None
    try:
        releases = await api.items(API)
    except ApiError as exc:
        unavailable = str(exc)
    for r in releases:
        r["datapackage_link"] = _public_link(r.get("datapackage"))
        for f in r.get("files") or []:
            f["link"] = _public_link(f.get("href"))
            f["size_label"] = _size(f.get("size"))
            f["format"] = (
                "Parquet"
                if f.get("name", "").endswith(".parquet")
                else "CSV"
                if f.get("name", "").endswith(".csv")
                else "JSON"
            )
    releases.sort(key=lambda r: r["week"], reverse=True)
    return render(
        request,
        "admin/open_data.html",
        session,
        status_code=problem.http_status if problem else 200,
        releases=releases,
        unavailable=unavailable,
        message=flash(MESSAGES, ok),
        highlight=highlight,
        problem=problem,
        week=week if week is not None else last_closed_week(today_paris()),
    )


@router.post("", response_class=HTMLResponse)
async def publish(
    request: Request,
    session: GipForm,
    week: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    chosen = week.strip().upper()
    if not WEEK.match(chosen):
        problem = FormProblem.local(
            "Semaine invalide.", week="Semaine ISO attendue (ex. 2026-W10)."
        )
        return await _page(request, session, problem=problem, week=week)
    try:
        response = await ConsoleApi(request, session).request(
            "PUT", f"{API}/{chosen}", read_timeout=PUBLISH_READ_TIMEOUT
        )
    except ApiError as exc:
        problem = form_problem(exc, known=("week",))
        return await _page(request, session, problem=problem, week=chosen)
    return back(PAGE, "published" if response.status_code == 201 else "already", week=chosen)
