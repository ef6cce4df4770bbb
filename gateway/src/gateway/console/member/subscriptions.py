"""Abonnements: a member's subscriptions to the options of a budget year, the price or share
each implies (from the catalogue), subscribing and cancelling (billing's API)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from gateway.console.api import ConsoleApi
from gateway.console.errors import ApiError
from gateway.console.formatting import euros, rate_bp, today_paris
from gateway.console.member.common import (
    AdminForm,
    AdminSession,
    FormProblem,
    MemberContext,
    NoMember,
    done,
    flash,
    member_context,
    no_member_page,
)
from gateway.console.pages import render
from gateway.console.params import MemberQuery, YearQuery
from gateway.console.sessions import ConsoleSession

router = APIRouter(prefix="/console/subscriptions", include_in_schema=False)
PAGE = "/console/subscriptions"

SubscriptionId = Annotated[int, Path(ge=1, le=2**31 - 1)]

MESSAGES = {
    "subscribed": "L'abonnement est enregistré.",
    "cancelled": "L'abonnement est résilié.",
}
STATUS_LABELS = {"active": "En cours", "ended": "Terminé", "cancelled": "Résilié"}
KEY_LABELS = {
    "students": "au prorata des élèves couverts",
    "visits": "au prorata des visites mesurées",
    "equal": "à parts égales",
}


def _round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def price_terms(prestation: dict[str, Any]) -> str:
    """What subscribing to `prestation` costs, as the catalogue states it."""
    key = prestation.get("key")
    vat = f"TVA {rate_bp(prestation.get('vat_rate_bp', 0))}"
    if key == "fixed_price":
        return (
            f"Prix fixe de {euros(prestation.get('unit_price_cents') or 0)} HT par an, "
            f"au prorata des jours d'abonnement ; {vat}."
        )
    if key == "usage":
        return (
            f"{euros(prestation.get('unit_price_cents') or 0)} HT par unité consommée "
            f"(note générée, appel d'API) ; {vat}."
        )
    how = KEY_LABELS.get(str(key), "selon la clé de répartition")
    return (
        f"Coût annuel de {euros(prestation.get('cost_cents', 0))} HT partagé entre les abonnés "
        f"{how}, au prorata des jours d'abonnement ; {vat}."
    )


def implied(subscription: dict[str, Any], prestation: dict[str, Any] | None) -> str:
    """The price or share one subscription implies, before the yearly allocation fixes it."""
    if prestation is None:
        return "Prestation absente du catalogue de l'année."
    if subscription.get("status") == "cancelled":
        return "Rien n'est dû : résilié avant son début."
    key = prestation.get("key")
    days, period = int(subscription.get("days") or 0), int(subscription.get("period_days") or 1)
    if key == "fixed_price":
        unit = Decimal(prestation.get("unit_price_cents") or 0)
        ht = _round_half_up(unit * days / period)
        ttc = ht + _round_half_up(Decimal(ht) * prestation.get("vat_rate_bp", 0) / 10_000)
        return f"Environ {euros(ht)} HT ({euros(ttc)} TTC) pour {days} jours sur {period}."
    if key == "usage":
        return (
            f"{euros(prestation.get('unit_price_cents') or 0)} HT par unité consommée, "
            "facturé selon l'usage."
        )
    how = KEY_LABELS.get(str(key), "selon la clé")
    return (
        f"Une part de {euros(prestation.get('cost_cents', 0))} HT {how}, pour {days} jours "
        f"sur {period} : fixée par la répartition annuelle."
    )


@dataclass
class SubscriptionsView:
    year: int
    years: list[int]
    catalogue: dict[str, dict[str, Any]] = field(default_factory=dict)
    catalogue_missing: bool = False
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    projects: list[tuple[str, str]] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)

    @property
    def options(self) -> list[dict[str, Any]]:
        return [p for p in self.catalogue.values() if p.get("kind") == "option"]


def default_start(year: int, today: date) -> date:
    """Today in the year in progress; else the first day of the year (billing's default)."""
    return today if today.year == year else date(year, 1, 1)


async def load(api: ConsoleApi, ctx: MemberContext, year: int | None) -> SubscriptionsView:
    today = today_paris()
    years: list[int] = []
    unavailable: list[str] = []
    try:
        years = sorted({int(y["year"]) for y in await api.items("/api/v1/budget-years")})
    except ApiError:
        unavailable.append("les exercices budgétaires")
    chosen = year or (today.year if not years or today.year in years else years[-1])
    view = SubscriptionsView(
        year=chosen, years=sorted(set(years) | {chosen}), unavailable=unavailable
    )
    try:
        catalogue = await api.get(f"/api/v1/budget-years/{chosen}/prestations")
        view.catalogue = {p["code"]: p for p in catalogue}
    except ApiError as exc:
        if exc.status == 404:
            view.catalogue_missing = True
        else:
            view.unavailable.append("le catalogue")
    view.subscriptions = await api.items("/api/v1/subscriptions", member=ctx.slug, year=chosen)
    for s in view.subscriptions:
        prestation = view.catalogue.get(s["prestation"])
        s["label"] = prestation["label"] if prestation else s["prestation"]
        s["implied"] = implied(s, prestation)
        s["status_label"] = STATUS_LABELS.get(s.get("status", ""), s.get("status", ""))
    try:
        view.projects = [
            (p["slug"], p.get("name") or p["slug"])
            for p in await api.items("/api/v1/projects", member=ctx.slug)
        ]
    except ApiError:
        view.unavailable.append("les projets ENT")
    return view


async def _page(
    request: Request,
    session: ConsoleSession,
    ctx: MemberContext,
    year: int | None,
    *,
    problem: FormProblem | None = None,
    form: dict[str, str] | None = None,
    ok: str | None = None,
) -> HTMLResponse:
    api = ConsoleApi(request, session)
    view = await load(api, ctx, year)
    values = form or {}
    return render(
        request,
        "subscriptions.html",
        session,
        status_code=problem.http_status if problem else 200,
        ctx=ctx,
        view=view,
        price_terms=price_terms,
        problem=problem,
        form={
            "prestation": values.get("prestation", ""),
            "project": values.get("project", ""),
            "starts_on": values.get("starts_on")
            or default_start(view.year, today_paris()).isoformat(),
        },
        message=flash(MESSAGES, ok),
    )


@router.get("", response_class=HTMLResponse)
async def subscriptions_page(
    request: Request,
    session: AdminSession,
    member: MemberQuery = None,
    year: YearQuery = None,
    ok: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    api = ConsoleApi(request, session)
    try:
        ctx = await member_context(api, session, member)
    except NoMember:
        return no_member_page(request, session)
    return await _page(request, session, ctx, year, ok=ok)


@router.post("", response_class=HTMLResponse)
async def subscribe(
    request: Request,
    session: AdminForm,
    member: Annotated[str, Form(max_length=63)] = "",
    year: Annotated[str, Form(max_length=4)] = "",
    prestation: Annotated[str, Form(max_length=40)] = "",
    project: Annotated[str, Form(max_length=63)] = "",
    starts_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    api = ConsoleApi(request, session)
    try:
        ctx = await member_context(api, session, member or None)
    except NoMember:
        return no_member_page(request, session)
    form = {"prestation": prestation, "project": project, "starts_on": starts_on}
    chosen_year = int(year) if year.isdigit() else None
    problem = None
    start: date | None = None
    if not prestation:
        problem = FormProblem.local("Choisissez une option.", prestation="Option requise.")
    elif chosen_year is None:
        problem = FormProblem.local("Exercice budgétaire inconnu.")
    else:
        try:
            start = date.fromisoformat(starts_on) if starts_on else None
        except ValueError:
            problem = FormProblem.local(
                "Date de début invalide.", starts_on="Date attendue (JJ/MM/AAAA)."
            )
    if problem is not None:
        return await _page(request, session, ctx, chosen_year, problem=problem, form=form)
    assert chosen_year is not None
    body: dict[str, Any] = {"member": ctx.slug, "year": chosen_year, "prestation": prestation}
    if project:
        body["project"] = project
    if start is not None:
        body["starts_on"] = start.isoformat()
    try:
        await api.post("/api/v1/subscriptions", json=body)
    except ApiError as exc:
        problem = FormProblem.of(exc, known=("prestation", "project", "starts_on"))
        return await _page(request, session, ctx, chosen_year, problem=problem, form=form)
    return done(PAGE, ctx, "subscribed", year=chosen_year)


async def _confirm_page(
    request: Request,
    session: ConsoleSession,
    ctx: MemberContext,
    subscription: dict[str, Any],
    *,
    last_day: str,
    problem: FormProblem | None = None,
) -> HTMLResponse:
    return render(
        request,
        "subscription_cancel.html",
        session,
        status_code=problem.http_status if problem else 200,
        ctx=ctx,
        subscription=subscription,
        last_day=last_day,
        problem=problem,
        back=f"{PAGE}?{ctx.query(year=subscription.get('year'))}",
    )


async def _visible(
    api: ConsoleApi, session: ConsoleSession, subscription_id: int, member: str | None
) -> tuple[MemberContext, dict[str, Any]]:
    subscription = await api.get(f"/api/v1/subscriptions/{subscription_id}")
    ctx = await member_context(api, session, member or subscription["member"])
    if ctx.slug != subscription["member"]:
        raise NoMember()
    return ctx, subscription


@router.get("/{subscription_id}/cancel", response_class=HTMLResponse)
async def cancel_form(
    request: Request,
    session: AdminSession,
    subscription_id: SubscriptionId,
    member: MemberQuery = None,
) -> HTMLResponse:
    api = ConsoleApi(request, session)
    try:
        ctx, subscription = await _visible(api, session, subscription_id, member)
    except NoMember:
        return no_member_page(request, session)
    return await _confirm_page(
        request, session, ctx, subscription, last_day=today_paris().isoformat()
    )


@router.post("/{subscription_id}/cancel", response_class=HTMLResponse)
async def cancel(
    request: Request,
    session: AdminForm,
    subscription_id: SubscriptionId,
    member: Annotated[str, Form(max_length=63)] = "",
    last_day: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    api = ConsoleApi(request, session)
    try:
        ctx, subscription = await _visible(api, session, subscription_id, member or None)
    except NoMember:
        return no_member_page(request, session)
    body: dict[str, Any] = {}
    if last_day:
        try:
            body["last_day"] = date.fromisoformat(last_day).isoformat()
        except ValueError:
            problem = FormProblem.local(
                "Dernier jour invalide.", last_day="Date attendue (JJ/MM/AAAA)."
            )
            return await _confirm_page(
                request, session, ctx, subscription, last_day=last_day, problem=problem
            )
    try:
        await api.post(f"/api/v1/subscriptions/{subscription_id}/cancel", json=body)
    except ApiError as exc:
        problem = FormProblem.of(exc, known=("last_day",))
        return await _confirm_page(
            request, session, ctx, subscription, last_day=last_day, problem=problem
        )
    return done(PAGE, ctx, "cancelled", year=subscription.get("year"))
