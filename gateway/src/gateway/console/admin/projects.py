"""Projets ENT et établissements: projects (tenants' API), a project's establishments over
time, attaching one from a date and detaching it on a date, and the CSV import of
establishments with its per-row report."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from gateway.console.admin.common import GipForm, GipSession, back, parse_day
from gateway.console.api import ConsoleApi
from gateway.console.errors import ApiError
from gateway.console.formatting import today_paris
from gateway.console.member.common import FormProblem, flash
from gateway.console.pages import render
from gateway.console.params import SLUG_PATTERN
from gateway.console.sessions import ConsoleSession

router = APIRouter(prefix="/console/admin", include_in_schema=False)
PAGE = "/console/admin/projects"
IMPORT_PAGE = "/console/admin/establishments/import"
# The tenants' import takes up to 10 MiB; the console reads no more than that.
MAX_IMPORT_BYTES = 10 * 1024 * 1024
SCHOOL_YEAR_PATTERN = r"^20[0-9]{2}-20[0-9]{2}$"

ProjectPath = Annotated[str, Path(max_length=63, pattern=SLUG_PATTERN)]
MembershipPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
MESSAGES = {
    "attached": "L'établissement est rattaché au projet.",
    "detached": "La fin de rattachement est enregistrée.",
}
TYPE_LABELS = {
    "ecole": "École",
    "college": "Collège",
    "lycee": "Lycée",
    "lycee-professionnel": "Lycée professionnel",
    "lycee-agricole": "Lycée agricole",
    "erea": "EREA",
    "other": "Autre",
}
FIELD_LABELS = {
    "uai": "UAI",
    "name": "nom",
    "type": "type",
    "commune": "commune",
    "academie": "académie",
    "pupils": "élèves",
    "teachers": "enseignants",
    "staff": "personnels",
}


@router.get("/projects", response_class=HTMLResponse)
async def projects_page(request: Request, session: GipSession) -> HTMLResponse:
    api = ConsoleApi(request, session)
    error = None
    projects: list[dict[str, Any]] = []
    try:
        projects = await api.items("/api/v1/projects")
    except ApiError as exc:
        error = str(exc)
    return render(request, "admin/projects.html", session, projects=projects, error=error)


async def _project_page(
    request: Request,
    session: ConsoleSession,
    slug: str,
    *,
    problem: FormProblem | None = None,
    target: str | None = None,
    form: dict[str, str] | None = None,
    ok: str | None = None,
) -> HTMLResponse:
    api = ConsoleApi(request, session)
    project = await api.get(f"/api/v1/projects/{slug}")
    memberships = await api.items(f"/api/v1/projects/{slug}/memberships")
    names: dict[str, dict[str, Any]] = {}
    try:
        for e in await api.items(f"/api/v1/projects/{slug}/establishments"):
            names[e["uai"]] = e
    except ApiError:
        pass  # the UAIs stand in for the names
    today = today_paris().isoformat()
    for m in memberships:
        found = names.get(m["uai"], {})
        m["name"] = found.get("name") or m["uai"]
        m["commune"] = found.get("commune") or ""
        m["type_label"] = TYPE_LABELS.get(found.get("type", ""), found.get("type") or "")
        m["current"] = m["valid_from"] <= today and (not m["valid_to"] or m["valid_to"] >= today)
    memberships.sort(key=lambda m: (m["name"].casefold(), m["valid_from"]))
    values = form or {}
    return render(
        request,
        "admin/project.html",
        session,
        status_code=problem.http_status if problem else 200,
        project=project,
        memberships=memberships,
        problem=problem,
        target=target,
        form={
            "uai": values.get("uai", ""),
            "valid_from": values.get("valid_from") or today,
            "valid_to": values.get("valid_to") or today,
        },
        message=flash(MESSAGES, ok),
    )


@router.get("/projects/{slug}", response_class=HTMLResponse)
async def project_page(
    request: Request,
    session: GipSession,
    slug: ProjectPath,
    ok: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    return await _project_page(request, session, slug, ok=ok)


def _conflict_hint(exc: ApiError) -> str | None:
    other = exc.problem.get("conflicting_project")
    if exc.status == 409 and other:
        return (
            f"Conflit avec le projet « {other} » : détachez-l'en d'abord, "
            "ou choisissez une autre date."
        )
    return None


@router.post("/projects/{slug}/memberships", response_class=HTMLResponse)
async def attach(
    request: Request,
    session: GipForm,
    slug: ProjectPath,
    uai: Annotated[str, Form(max_length=20)] = "",
    valid_from: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    form = {"uai": uai.strip().upper(), "valid_from": valid_from}
    day = parse_day(valid_from)
    if not form["uai"] or day is None:
        fields = {}
        if not form["uai"]:
            fields["uai"] = "Champ obligatoire."
        if day is None:
            fields["valid_from"] = "Date attendue."
        problem = FormProblem.local("Le rattachement est incomplet.", **fields)
        return await _project_page(
            request, session, slug, problem=problem, target="attach", form=form
        )
    try:
        await ConsoleApi(request, session).post(
            f"/api/v1/projects/{slug}/memberships", json={"uai": form["uai"], "valid_from": day}
        )
    except ApiError as exc:
        problem = FormProblem.of(exc, known=("uai", "valid_from"), hint=_conflict_hint(exc))
        return await _project_page(
            request, session, slug, problem=problem, target="attach", form=form
        )
    return back(f"{PAGE}/{slug}", "attached")


@router.post("/projects/{slug}/memberships/{membership_id}/end", response_class=HTMLResponse)
async def detach(
    request: Request,
    session: GipForm,
    slug: ProjectPath,
    membership_id: MembershipPath,
    valid_to: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    day = parse_day(valid_to)
    target = f"end-{membership_id}"
    if day is None:
        problem = FormProblem.local("Date de fin invalide.", valid_to="Date attendue.")
        return await _project_page(request, session, slug, problem=problem, target=target)
    try:
        await ConsoleApi(request, session).request(
            "PATCH",
            f"/api/v1/projects/{slug}/memberships/{membership_id}",
            json={"valid_to": day},
        )
    except ApiError as exc:
        problem = FormProblem.of(exc, known=("valid_to",), hint=_conflict_hint(exc))
        return await _project_page(
            request, session, slug, problem=problem, target=target, form={"valid_to": valid_to}
        )
    return back(f"{PAGE}/{slug}", "detached")


# --------------------------------------------------------------------------- CSV import


def _import_page(
    request: Request,
    session: ConsoleSession,
    *,
    school_year: str = "",
    report: dict[str, Any] | None = None,
    problem: FormProblem | None = None,
    filename: str = "",
) -> HTMLResponse:
    rows: list[dict[str, Any]] = []
    if report:
        for e in report.get("errors", []):
            field = e.get("field")
            rows.append({**e, "field_label": FIELD_LABELS.get(field or "", field or "")})
        rows.sort(key=lambda r: int(r.get("line") or 0))
    return render(
        request,
        "admin/import.html",
        session,
        status_code=problem.http_status if problem else 200,
        school_year=school_year,
        report=report,
        errors=rows,
        problem=problem,
        filename=filename,
    )


@router.get("/establishments/import", response_class=HTMLResponse)
async def import_form(request: Request, session: GipSession) -> HTMLResponse:
    return _import_page(request, session)


@router.post("/establishments/import", response_class=HTMLResponse)
async def import_establishments(
    request: Request,
    session: GipForm,
    file: Annotated[UploadFile | None, File()] = None,
    school_year: Annotated[str, Form(max_length=9)] = "",
) -> Response:
    school_year = school_year.strip()
    if school_year and not re.match(SCHOOL_YEAR_PATTERN, school_year):
        problem = FormProblem.local("Année scolaire invalide.", school_year="Au format 2025-2026.")
        return _import_page(request, session, school_year=school_year, problem=problem)
    content = await file.read(MAX_IMPORT_BYTES + 1) if file is not None else b""
    filename = (file.filename or "") if file is not None else ""
    if not content:
        problem = FormProblem.local("Aucun fichier.", file="Choisissez un fichier CSV.")
        return _import_page(request, session, school_year=school_year, problem=problem)
    if len(content) > MAX_IMPORT_BYTES:
        problem = FormProblem.local("Fichier trop gros.", file="10 Mio au plus.")
        return _import_page(request, session, school_year=school_year, problem=problem)
    try:
        response = await ConsoleApi(request, session).request(
            "POST",
            "/api/v1/establishments/import",
            params={"school_year": school_year} if school_year else None,
            content=content,
            content_type="text/csv",
        )
    except ApiError as exc:
        problem = FormProblem.of(exc)
        if any(name == "body" for name, _ in exc.field_errors):
            problem = FormProblem(
                status=problem.status,
                title=problem.title,
                detail="Le fichier est refusé en entier.",
                fields={"file": "; ".join(r for n, r in exc.field_errors if n == "body")},
                others=[o for o in problem.others if not o.startswith("body")],
            )
        return _import_page(
            request, session, school_year=school_year, problem=problem, filename=filename
        )
    return _import_page(
        request, session, school_year=school_year, report=response.json(), filename=filename
    )
