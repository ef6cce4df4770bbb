"""Répartition: the yearly allocation runs (billing's API) — list a year's runs, compute a
draft, the run's table by college and member with each line's explanation and the warnings,
the what-if form, approving, issuing the contribution calls."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from gateway.console.admin.common import KIND_LABELS, GipForm, GipSession, back
from gateway.console.admin.common import parse_day as day_of
from gateway.console.allocation_terms import COLLEGE_LABELS, KEY_LABELS, as_percent, exact_euros
from gateway.console.allocation_terms import RUN_STATUS_LABELS as STATUS_LABELS
from gateway.console.api import ConsoleApi
from gateway.console.errors import ApiError
from gateway.console.formatting import today_paris
from gateway.console.member.common import FormProblem, flash
from gateway.console.pages import render
from gateway.console.params import YearQuery
from gateway.console.sessions import ConsoleSession

router = APIRouter(prefix="/console/admin/allocations", include_in_schema=False)
PAGE = "/console/admin/allocations"

RunPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
MESSAGES = {
    "created": "Le calcul du projet de répartition est lancé.",
    "approved": "La répartition est approuvée : elle ne change plus.",
    "recomputed": "Le nouveau calcul est lancé.",
}
COLLEGE_ORDER = ("cdc", "state", "collectivites", "other")
CHANGES = {
    "join": "Un membre adhère",
    "leave": "Un membre part",
    "subscribe": "Un membre souscrit une option",
    "cancel": "Un membre résilie une option",
    "shares": "Autres parts des collèges",
}


@router.get("", response_class=HTMLResponse)
async def runs_page(
    request: Request,
    session: GipSession,
    year: YearQuery = None,
    ok: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    return await _runs_page(request, session, year, ok=ok)


async def _runs_page(
    request: Request,
    session: ConsoleSession,
    year: int | None,
    *,
    ok: str | None = None,
    problem: FormProblem | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    api = ConsoleApi(request, session)
    years: list[int] = []
    unavailable = None
    try:
        years = sorted({int(y["year"]) for y in await api.items("/api/v1/budget-years")})
    except ApiError as exc:
        unavailable = str(exc)
    today = today_paris()
    chosen = year or (today.year if not years or today.year in years else years[-1])
    runs: list[dict[str, Any]] = []
    try:
        runs = await api.items("/api/v1/allocations", year=chosen)
    except ApiError as exc:
        unavailable = str(exc)
    for r in runs:
        r["status_label"] = STATUS_LABELS.get(r["status"], r["status"])
    runs.sort(key=lambda r: r["id"], reverse=True)
    values = form or {}
    return render(
        request,
        "admin/allocations.html",
        session,
        status_code=problem.http_status if problem else 200,
        year=chosen,
        years=sorted(set(years) | {chosen}),
        runs=runs,
        unavailable=unavailable,
        problem=problem,
        form={
            "reference_date": values.get("reference_date", ""),
            "note": values.get("note", ""),
        },
        message=flash(MESSAGES, ok),
    )


@router.post("", response_class=HTMLResponse)
async def create_run(
    request: Request,
    session: GipForm,
    year: Annotated[int, Form(ge=2000, le=2099)],
    reference_date: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    form = {"reference_date": reference_date, "note": note}
    body: dict[str, Any] = {"year": year}
    if reference_date:
        day = day_of(reference_date)
        if day is None:
            problem = FormProblem.local("Date invalide.", reference_date="Date attendue.")
            return await _runs_page(request, session, year, problem=problem, form=form)
        body["reference_date"] = day
    if note.strip():
        body["note"] = note.strip()
    try:
        run = await ConsoleApi(request, session).post("/api/v1/allocations", json=body)
    except ApiError as exc:
        problem = FormProblem.of(exc, known=("year", "reference_date", "note"))
        return await _runs_page(request, session, year, problem=problem, form=form)
    return back(f"{PAGE}/{run['id']}", "created")


# --------------------------------------------------------------------------- one run


@dataclass
class MemberBlock:
    slug: str
    name: str
    total: dict[str, Any] | None
    lines: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CollegeBlock:
    code: str
    label: str
    base_cents: int | None
    members: list[MemberBlock] = field(default_factory=list)

    @property
    def net_cents(self) -> int:
        return sum((m.total or {}).get("net_cents", 0) for m in self.members)


@dataclass
class RunView:
    run: dict[str, Any]
    colleges: list[CollegeBlock] = field(default_factory=list)
    thresholds: dict[str, Any] | None = None
    unavailable: list[str] = field(default_factory=list)

    @property
    def computed(self) -> bool:
        return self.run["status"] in ("draft", "approved", "superseded")


async def load_run(api: ConsoleApi, run_id: int) -> RunView:
    run = await api.get(f"/api/v1/allocations/{run_id}")
    run["status_label"] = STATUS_LABELS.get(run["status"], run["status"])
    view = RunView(run=run)
    if not view.computed:
        return view
    totals: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    try:
        totals = await api.get(f"/api/v1/allocations/{run_id}/members")
        lines = await api.items(f"/api/v1/allocations/{run_id}/lines", pages=40)
    except ApiError:
        view.unavailable.append("les lignes de la répartition")
    try:
        view.thresholds = await api.get(f"/api/v1/allocations/{run_id}/thresholds")
    except ApiError:
        view.unavailable.append("les seuils de procédure")
    over = {e["member"]: e for e in (view.thresholds or {}).get("over", [])}
    by_member: dict[str, MemberBlock] = {}
    for t in totals:
        t["over"] = over.get(t["member"])
        by_member[t["member"]] = MemberBlock(t["member"], t.get("name") or t["member"], t)
    college_of = {t["member"]: t["college"] for t in totals}
    for ln in lines:
        ln["key_label"] = KEY_LABELS.get(ln["key"], ln["key"])
        ln["fraction_percent"] = as_percent(ln.get("fraction"))
        ln["exact_fr"] = exact_euros(ln.get("exact_euros"))
        block = by_member.setdefault(ln["member"], MemberBlock(ln["member"], ln["member"], None))
        block.lines.append(ln)
        college_of.setdefault(ln["member"], ln["college"])
    grouped: dict[str, list[MemberBlock]] = defaultdict(list)
    for slug, block in by_member.items():
        grouped[college_of.get(slug, "other")].append(block)
    base = run.get("colleges") or {}
    for code in sorted(
        set(grouped) | set(base),
        key=lambda c: COLLEGE_ORDER.index(c) if c in COLLEGE_ORDER else 99,
    ):
        members = sorted(grouped.get(code, []), key=lambda m: m.name.casefold())
        view.colleges.append(
            CollegeBlock(code, COLLEGE_LABELS.get(code, code), base.get(code), members)
        )
    return view


async def _run_page(
    request: Request,
    session: ConsoleSession,
    run_id: int,
    *,
    template: str = "admin/allocation.html",
    problem: FormProblem | None = None,
    ok: str | None = None,
    status_code: int | None = None,
    **context: Any,
) -> HTMLResponse:
    view = await load_run(ConsoleApi(request, session), run_id)
    return render(
        request,
        template,
        session,
        status_code=status_code or (problem.http_status if problem else 200),
        view=view,
        run=view.run,
        problem=problem,
        message=flash(MESSAGES, ok),
        college_labels=COLLEGE_LABELS,
        **context,
    )


@router.get("/{run_id}", response_class=HTMLResponse)
async def run_page(
    request: Request,
    session: GipSession,
    run_id: RunPath,
    ok: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    return await _run_page(request, session, run_id, ok=ok)


@router.post("/{run_id}/recompute", response_class=HTMLResponse)
async def recompute(request: Request, session: GipForm, run_id: RunPath) -> Response:
    try:
        await ConsoleApi(request, session).post(f"/api/v1/allocations/{run_id}/recompute")
    except ApiError as exc:
        return await _run_page(request, session, run_id, problem=FormProblem.of(exc))
    return back(f"{PAGE}/{run_id}", "recomputed")


# --------------------------------------------------------------------------- approve, issue


@router.get("/{run_id}/approve", response_class=HTMLResponse)
async def confirm_approve(request: Request, session: GipSession, run_id: RunPath) -> HTMLResponse:
    return await _run_page(
        request, session, run_id, template="admin/allocation_confirm.html", action="approve"
    )


@router.post("/{run_id}/approve", response_class=HTMLResponse)
async def approve(request: Request, session: GipForm, run_id: RunPath) -> Response:
    try:
        await ConsoleApi(request, session).post(f"/api/v1/allocations/{run_id}/approve")
    except ApiError as exc:
        return await _run_page(
            request,
            session,
            run_id,
            template="admin/allocation_confirm.html",
            action="approve",
            problem=FormProblem.of(exc),
        )
    return back(f"{PAGE}/{run_id}", "approved")


@router.get("/{run_id}/issue", response_class=HTMLResponse)
async def confirm_issue(request: Request, session: GipSession, run_id: RunPath) -> HTMLResponse:
    return await _run_page(
        request, session, run_id, template="admin/allocation_confirm.html", action="issue"
    )


@router.post("/{run_id}/issue", response_class=HTMLResponse)
async def issue(request: Request, session: GipForm, run_id: RunPath) -> Response:
    try:
        result = await ConsoleApi(request, session).post(f"/api/v1/allocations/{run_id}/issue")
    except ApiError as exc:
        return await _run_page(
            request,
            session,
            run_id,
            template="admin/allocation_confirm.html",
            action="issue",
            problem=FormProblem.of(exc),
        )
    return await _run_page(
        request, session, run_id, template="admin/allocation_issued.html", result=result
    )


# --------------------------------------------------------------------------- what if

SIM_FIELDS = (
    "change",
    "slug",
    "name",
    "kind",
    "college",
    "pupils",
    "visits",
    "joined_on",
    "member",
    "left_on",
    "prestation",
    "starts_on",
    "ends_on",
    "share_cdc",
    "share_state",
    "share_collectivites",
    "share_other",
)


async def _simulate_page(
    request: Request,
    session: ConsoleSession,
    run_id: int,
    *,
    form: dict[str, str],
    result: dict[str, Any] | None = None,
    problem: FormProblem | None = None,
) -> HTMLResponse:
    api = ConsoleApi(request, session)
    run = await api.get(f"/api/v1/allocations/{run_id}")
    run["status_label"] = STATUS_LABELS.get(run["status"], run["status"])
    members: list[tuple[str, str]] = []
    prestations: list[tuple[str, str]] = []
    names: dict[str, str] = {}
    try:
        for m in await api.items("/api/v1/members"):
            names[m["slug"]] = m.get("name") or m["slug"]
        members = sorted(names.items(), key=lambda kv: kv[1].casefold())
    except ApiError:
        pass
    try:
        catalogue = await api.get(f"/api/v1/budget-years/{run['year']}/prestations")
        prestations = [(p["code"], p["label"]) for p in catalogue if p.get("kind") == "option"]
    except ApiError:
        pass
    shares = run.get("shares") or {}
    values = {
        "change": "join",
        **{f"share_{c}": str(shares.get(c, "")) for c in COLLEGE_ORDER},
        **{k: v for k, v in form.items() if v},
    }
    differences = []
    if result:
        for d in result.get("differences", []):
            differences.append({**d, "name": names.get(d["member"], d["member"])})
    return render(
        request,
        "admin/simulate.html",
        session,
        status_code=problem.http_status if problem else 200,
        run=run,
        form={k: values.get(k, "") for k in SIM_FIELDS},
        changes=CHANGES,
        kinds=KIND_LABELS,
        colleges=COLLEGE_LABELS,
        college_order=COLLEGE_ORDER,
        members=members,
        prestations=prestations,
        result=result,
        differences=differences,
        problem=problem,
    )


@router.get("/{run_id}/simulate", response_class=HTMLResponse)
async def simulate_form(request: Request, session: GipSession, run_id: RunPath) -> HTMLResponse:
    return await _simulate_page(request, session, run_id, form={})


def _count(value: str) -> int | None:
    try:
        number = int(value.replace(" ", "").replace("\u202f", "") or "0")
    except ValueError:
        return None
    return number if number >= 0 else None


def simulation_body(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The API's what-if body for the one change the form describes, or the fields at fault."""
    change = form.get("change", "")
    errors: dict[str, str] = {}

    def need(*names: str) -> None:
        for name in names:
            if not form.get(name):
                errors[name] = "Champ obligatoire pour ce changement."

    def dates(*names: str) -> dict[str, str]:
        found = {}
        for name in names:
            if form.get(name):
                day = day_of(form[name])
                if day is None:
                    errors[name] = "Date attendue."
                else:
                    found[name] = day
        return found

    if change == "join":
        need("slug", "kind", "college")
        counts = {k: _count(form.get(k, "")) for k in ("pupils", "visits")}
        for k, v in counts.items():
            if v is None:
                errors[k] = "Nombre entier positif attendu."
        item: dict[str, Any] = {
            "slug": form.get("slug", ""),
            "kind": form.get("kind", ""),
            "college": form.get("college", ""),
            "pupils": counts["pupils"] or 0,
            "visits": counts["visits"] or 0,
            **dates("joined_on"),
        }
        if form.get("name"):
            item["name"] = form["name"]
        return {"join": [item]}, errors
    if change == "leave":
        need("member")
        return {"leave": [{"member": form.get("member", ""), **dates("left_on")}]}, errors
    if change == "subscribe":
        need("member", "prestation")
        item = {"member": form.get("member", ""), "prestation": form.get("prestation", "")}
        return {"subscribe": [{**item, **dates("starts_on", "ends_on")}]}, errors
    if change == "cancel":
        need("member", "prestation")
        item = {"member": form.get("member", ""), "prestation": form.get("prestation", "")}
        return {"cancel": [item]}, errors
    if change == "shares":
        shares = {}
        for college in COLLEGE_ORDER:
            value = _count(form.get(f"share_{college}", ""))
            if value is None:
                errors[f"share_{college}"] = "Nombre entier positif attendu."
            shares[college] = value or 0
        return {"shares": shares}, errors
    return {}, {"change": "Choisissez un changement."}


@router.post("/{run_id}/simulate", response_class=HTMLResponse)
async def simulate(
    request: Request,
    session: GipForm,
    run_id: RunPath,
    change: Annotated[str, Form(max_length=20)] = "",
    slug: Annotated[str, Form(max_length=63)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    college: Annotated[str, Form(max_length=20)] = "",
    pupils: Annotated[str, Form(max_length=12)] = "",
    visits: Annotated[str, Form(max_length=15)] = "",
    joined_on: Annotated[str, Form(max_length=10)] = "",
    member: Annotated[str, Form(max_length=63)] = "",
    left_on: Annotated[str, Form(max_length=10)] = "",
    prestation: Annotated[str, Form(max_length=40)] = "",
    starts_on: Annotated[str, Form(max_length=10)] = "",
    ends_on: Annotated[str, Form(max_length=10)] = "",
    share_cdc: Annotated[str, Form(max_length=6)] = "",
    share_state: Annotated[str, Form(max_length=6)] = "",
    share_collectivites: Annotated[str, Form(max_length=6)] = "",
    share_other: Annotated[str, Form(max_length=6)] = "",
) -> Response:
    form = {k: str(v).strip() for k, v in locals().items() if k in SIM_FIELDS}
    body, errors = simulation_body(form)
    if errors:
        problem = FormProblem.local("Le changement à simuler est incomplet.", **errors)
        return await _simulate_page(request, session, run_id, form=form, problem=problem)
    try:
        result = await ConsoleApi(request, session).post(
            f"/api/v1/allocations/{run_id}/simulate", json=body
        )
    except ApiError as exc:
        problem = FormProblem.of(exc, known=SIM_FIELDS)
        return await _simulate_page(request, session, run_id, form=form, problem=problem)
    return await _simulate_page(request, session, run_id, form=form, result=result)
