"""Ma contribution: a member's allocation lines of a budget year, each with billing's
explanation, and its total. The run shown is the year's latest approved one, else its latest
draft (marked as such). Billing decides what a member sees: the runs of the year, and of a
run's lines its own only (member administrators and viewers alike)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from gateway.console.allocation_terms import (
    COLLEGE_LABELS,
    KEY_LABELS,
    RUN_STATUS_LABELS,
    as_percent,
    exact_euros,
)
from gateway.console.api import ConsoleApi
from gateway.console.errors import ApiError
from gateway.console.formatting import today_paris
from gateway.console.member.common import (
    MemberContext,
    NoMember,
    ReaderSession,
    member_context,
    no_member_page,
)
from gateway.console.pages import message_page, render
from gateway.console.params import MemberQuery, YearQuery
from gateway.console.sessions import ConsoleSession

router = APIRouter(prefix="/console/contribution", include_in_schema=False)
PAGE = "/console/contribution"

RunQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1)]

# Runs whose lines exist; computing and failed ones have none yet.
COMPUTED = ("approved", "draft", "superseded")


@dataclass
class Contribution:
    year: int
    years: list[int]
    run: dict[str, Any] | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    total: dict[str, Any] | None = None
    pending: bool = False  # a run of the year is being computed (or failed): none to show yet
    unavailable: list[str] = field(default_factory=list)

    @property
    def net_cents(self) -> int:
        if self.total is not None:
            return int(self.total.get("net_cents", 0))
        return sum(int(ln.get("net_cents", 0)) for ln in self.lines)


def pick_run(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The year's latest approved run, else its latest draft."""
    for status in ("approved", "draft"):
        found = [r for r in runs if r.get("status") == status]
        if found:
            return max(found, key=lambda r: r["id"])
    return None


def _run_not_found(request: Request, session: ConsoleSession, ctx: MemberContext) -> HTMLResponse:
    return message_page(
        request,
        session,
        status_code=404,
        title="Calcul introuvable",
        message="Ce calcul de répartition n'existe pas ou ne vous est pas accessible.",
        action=(f"{PAGE}?{ctx.query()}", "Retour à la contribution"),
    )


@router.get("", response_class=HTMLResponse)
async def contribution_page(
    request: Request,
    session: ReaderSession,
    member: MemberQuery = None,
    year: YearQuery = None,
    run: RunQuery = None,
) -> HTMLResponse:
    api = ConsoleApi(request, session)
    try:
        ctx = await member_context(api, session, member)
    except NoMember:
        return no_member_page(request, session)
    unavailable: list[str] = []
    years: list[int] = []
    try:
        years = sorted({int(y["year"]) for y in await api.items("/api/v1/budget-years")})
    except ApiError:
        unavailable.append("les exercices")
    chosen_run: dict[str, Any] | None = None
    if run is not None:
        try:
            chosen_run = await api.get(f"/api/v1/allocations/{run}")
        except ApiError as exc:
            if exc.status in (403, 404):
                return _run_not_found(request, session, ctx)
            raise
        if chosen_run.get("status") not in COMPUTED:
            return _run_not_found(request, session, ctx)
        year = int(chosen_run["year"])
    today = today_paris()
    chosen = year or (today.year if not years or today.year in years else years[-1])
    view = Contribution(year=chosen, years=sorted(set(years) | {chosen}, reverse=True))
    view.unavailable = unavailable
    try:
        runs = await api.items("/api/v1/allocations", year=chosen)
    except ApiError:
        runs = []
        view.unavailable.append("les calculs de répartition")
    for r in runs:
        r["status_label"] = RUN_STATUS_LABELS.get(r["status"], r["status"])
    view.runs = sorted(
        (r for r in runs if r.get("status") in COMPUTED), key=lambda r: r["id"], reverse=True
    )
    view.run = chosen_run or pick_run(runs)
    if view.run is None:
        view.pending = any(r.get("status") in ("computing", "failed") for r in runs)
    else:
        view.run["status_label"] = RUN_STATUS_LABELS.get(view.run["status"], view.run["status"])
        try:
            if not await _load_lines(api, view, ctx):
                return _run_not_found(request, session, ctx)
        except ApiError:
            view.unavailable.append("les lignes de la répartition")
    return render(
        request,
        "contribution.html",
        session,
        ctx=ctx,
        view=view,
        college_labels=COLLEGE_LABELS,
    )


async def _load_lines(api: ConsoleApi, view: Contribution, ctx: MemberContext) -> bool:
    """The run's lines of `ctx`'s member and its total; False when billing does not know the
    run (any more). Only the member's own rows are kept, whatever billing answers."""
    assert view.run is not None
    run_id = view.run["id"]
    try:
        lines = await api.items(f"/api/v1/allocations/{run_id}/lines", member=ctx.slug, pages=10)
    except ApiError as exc:
        if exc.status in (403, 404):
            return False
        raise
    labels: dict[str, str] = {}
    try:
        catalogue = await api.get(f"/api/v1/budget-years/{view.run['year']}/prestations")
        labels = {p["code"]: p.get("label") or p["code"] for p in catalogue}
    except ApiError:
        pass  # codes stand in for labels
    for ln in lines:
        if ln.get("member") != ctx.slug:
            continue
        ln["prestation_label"] = labels.get(ln["prestation"], ln["prestation"])
        ln["college_label"] = COLLEGE_LABELS.get(ln["college"], ln["college"])
        ln["key_label"] = KEY_LABELS.get(ln["key"], ln["key"])
        ln["fraction_percent"] = as_percent(ln.get("fraction"))
        ln["exact_fr"] = exact_euros(ln.get("exact_euros"))
        view.lines.append(ln)
    try:
        totals = await api.get(f"/api/v1/allocations/{run_id}/members")
        view.total = next((t for t in totals if t.get("member") == ctx.slug), None)
    except ApiError:
        view.unavailable.append("le total du membre")
    return True
