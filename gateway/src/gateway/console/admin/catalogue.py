"""Catalogue: the budget years and each year's prestations (billing's API) — list them, open a
budget year, add a prestation to a year."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from gateway.console.admin.common import (
    COLLEGE_LABELS,
    GipForm,
    GipSession,
    back,
    form_problem,
    parse_euros,
    parse_rate,
)
from gateway.console.api import ConsoleApi
from gateway.console.errors import ApiError
from gateway.console.formatting import today_paris
from gateway.console.member.common import FormProblem, flash
from gateway.console.pages import render
from gateway.console.params import YearQuery
from gateway.console.sessions import ConsoleSession

router = APIRouter(prefix="/console/admin/catalogue", include_in_schema=False)
PAGE = "/console/admin/catalogue"

YearPath = Annotated[int, Path(ge=2000, le=2099)]
MESSAGES = {
    "opened": "L'exercice budgétaire est ouvert.",
    "added": "La prestation est ajoutée au catalogue.",
}
KIND_LABELS = {"base": "Socle (partagé)", "option": "Option (sur abonnement)"}
KEY_LABELS = {
    "students": "Élèves couverts",
    "visits": "Visites mesurées",
    "equal": "Parts égales",
    "fixed_price": "Prix fixe par an",
    "usage": "Prix à l'usage",
}
VISITS_PERIODS = {
    "previous_year": "Visites de l'année civile précédente",
    "budget_year": "Visites de l'année de l'exercice",
}
PRESTATION_FIELDS = ("code", "label", "kind", "cost", "key", "unit_price", "vat_rate", "colleges")
YEAR_FIELDS = ("year", "label", "school_year", "visits_period")
# The API's field names → the form's.
API_FIELDS = {
    "cost_cents": "cost",
    "unit_price_cents": "unit_price",
    "vat_rate_bp": "vat_rate",
}


@router.get("", response_class=HTMLResponse)
async def catalogue_page(
    request: Request,
    session: GipSession,
    year: YearQuery = None,
    ok: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    return await _page(request, session, year, ok=ok)


async def _page(
    request: Request,
    session: ConsoleSession,
    year: int | None,
    *,
    ok: str | None = None,
    problem: FormProblem | None = None,
    problem_of: str = "",
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    api = ConsoleApi(request, session)
    years: list[dict[str, Any]] = []
    unavailable = None
    try:
        years = await api.items("/api/v1/budget-years")
    except ApiError as exc:
        unavailable = str(exc)
    years.sort(key=lambda y: y["year"], reverse=True)
    known = [int(y["year"]) for y in years]
    today = today_paris().year
    chosen = year or (today if today in known or not known else known[0])
    prestations: list[dict[str, Any]] = []
    missing = chosen not in known
    if not missing:
        try:
            prestations = await api.get(f"/api/v1/budget-years/{chosen}/prestations")
        except ApiError as exc:
            unavailable = str(exc)
    for p in prestations:
        p["kind_label"] = KIND_LABELS.get(p.get("kind", ""), p.get("kind"))
        p["key_label"] = KEY_LABELS.get(p.get("key", ""), p.get("key"))
        p["college_labels"] = [COLLEGE_LABELS.get(c, c) for c in p.get("colleges") or []]
    prestations.sort(key=lambda p: (p.get("kind") != "base", p.get("code", "")))
    values = form or {}
    prestation_form = {
        "code": "",
        "label": "",
        "kind": "base",
        "cost": "",
        "key": "students",
        "unit_price": "",
        "vat_rate": "",
        "colleges": ["cdc", "collectivites", "state"],
        **(values if problem_of == "prestation" else {}),
    }
    year_form = {
        "year": str(max(known, default=today) + 1 if known else today),
        "label": "",
        "school_year": "",
        "visits_period": "previous_year",
        **(values if problem_of == "year" else {}),
    }
    return render(
        request,
        "admin/catalogue.html",
        session,
        status_code=problem.http_status if problem else 200,
        year=chosen,
        years=years,
        year_missing=missing,
        prestations=prestations,
        unavailable=unavailable,
        message=flash(MESSAGES, ok),
        problem=problem,
        problem_of=problem_of,
        prestation_form=prestation_form,
        year_form=year_form,
        kinds=KIND_LABELS,
        keys=KEY_LABELS,
        colleges=COLLEGE_LABELS,
        visits_periods=VISITS_PERIODS,
    )


@router.post("/years", response_class=HTMLResponse)
async def open_year(
    request: Request,
    session: GipForm,
    year: Annotated[str, Form(max_length=4)] = "",
    label: Annotated[str, Form(max_length=200)] = "",
    school_year: Annotated[str, Form(max_length=9)] = "",
    visits_period: Annotated[str, Form(max_length=20)] = "previous_year",
) -> Response:
    form = {
        "year": year.strip(),
        "label": label.strip(),
        "school_year": school_year.strip(),
        "visits_period": visits_period,
    }
    problem = None
    body: dict[str, Any] = {}
    if not form["year"].isdigit() or not 2000 <= int(form["year"]) <= 2099:
        problem = FormProblem.local("Année invalide.", year="Une année entre 2000 et 2099.")
    else:
        body = {"year": int(form["year"]), "visits_period": visits_period or "previous_year"}
        if form["label"]:
            body["label"] = form["label"]
        if form["school_year"]:
            body["school_year"] = form["school_year"]
        try:
            await ConsoleApi(request, session).post("/api/v1/budget-years", json=body)
        except ApiError as exc:
            problem = form_problem(exc, known=YEAR_FIELDS, renames=API_FIELDS)
    if problem is not None:
        return await _page(request, session, None, problem=problem, problem_of="year", form=form)
    return back(PAGE, "opened", year=body["year"])


@router.post("/{year}/prestations", response_class=HTMLResponse)
async def add_prestation(
    request: Request,
    session: GipForm,
    year: YearPath,
    code: Annotated[str, Form(max_length=40)] = "",
    label: Annotated[str, Form(max_length=200)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    cost: Annotated[str, Form(max_length=30)] = "",
    key: Annotated[str, Form(max_length=20)] = "",
    unit_price: Annotated[str, Form(max_length=30)] = "",
    vat_rate: Annotated[str, Form(max_length=10)] = "",
    colleges: Annotated[list[str] | None, Form(max_length=4)] = None,
) -> Response:
    form: dict[str, Any] = {
        "code": code.strip(),
        "label": label.strip(),
        "kind": kind,
        "cost": cost.strip(),
        "key": key,
        "unit_price": unit_price.strip(),
        "vat_rate": vat_rate.strip(),
        "colleges": [c for c in colleges or [] if c in COLLEGE_LABELS],
    }
    fields: dict[str, str] = {
        k: "Champ obligatoire." for k in ("code", "label", "kind", "key") if not form[k]
    }
    cost_cents = parse_euros(form["cost"] or "0")
    if cost_cents is None:
        fields["cost"] = "Montant en euros attendu (ex. 1 234,56)."
    price_cents = parse_euros(form["unit_price"] or "0")
    if price_cents is None:
        fields["unit_price"] = "Montant en euros attendu (ex. 1 234,56)."
    rate_bp = parse_rate(form["vat_rate"] or "0")
    if rate_bp is None:
        fields["vat_rate"] = "Taux en pour cent attendu (ex. 20 ou 5,5)."
    if not form["colleges"]:
        fields["colleges"] = "Au moins un collège."
    problem = FormProblem.local("Le formulaire est à compléter.", **fields) if fields else None
    if problem is None:
        body = {
            "code": form["code"],
            "label": form["label"],
            "kind": form["kind"],
            "cost_cents": cost_cents,
            "key": form["key"],
            "unit_price_cents": price_cents,
            "vat_rate_bp": rate_bp,
            "colleges": form["colleges"],
        }
        try:
            await ConsoleApi(request, session).post(
                f"/api/v1/budget-years/{year}/prestations", json=body
            )
        except ApiError as exc:
            problem = form_problem(exc, known=PRESTATION_FIELDS, renames=API_FIELDS)
    if problem is not None:
        return await _page(
            request, session, year, problem=problem, problem_of="prestation", form=form
        )
    return back(PAGE, "added", year=year)
