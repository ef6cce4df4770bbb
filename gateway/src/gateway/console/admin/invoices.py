"""Factures et paiements: every member's invoices (billing's API) with filters, the balances per
member, the credit notes, an invoice's page with its PDF, its payments and the form recording a
payment received."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from gateway.console.admin.common import (
    GipForm,
    GipSession,
    back,
    form_problem,
    parse_day,
    parse_euros,
)
from gateway.console.api import ConsoleApi
from gateway.console.errors import ApiError
from gateway.console.formatting import today_paris
from gateway.console.member.common import FormProblem, flash, stream_document
from gateway.console.member.invoices import STATUS_LABELS
from gateway.console.pages import render
from gateway.console.params import MemberQuery, YearQuery
from gateway.console.sessions import ConsoleSession

router = APIRouter(prefix="/console/admin", include_in_schema=False)
PAGE = "/console/admin/invoices"

# billing's document numbers: nothing else reaches its URLs.
NumberPath = Annotated[str, Path(pattern=r"^GIP-[0-9]{4}-[0-9]{6}$")]
CreditNumberPath = Annotated[str, Path(pattern=r"^GIP-AV-[0-9]{4}-[0-9]{6}$")]
StatusQuery = Annotated[str | None, Query(pattern=r"^(?:unpaid|partial|paid|credited)$")]
MESSAGES = {"paid": "Le paiement est enregistré."}
PAYMENT_FIELDS = ("amount", "received_on", "reference")
API_FIELDS = {"amount_cents": "amount"}


async def _member_names(api: ConsoleApi) -> dict[str, str]:
    try:
        return {m["slug"]: m.get("name") or m["slug"] for m in await api.items("/api/v1/members")}
    except ApiError:
        return {}  # tenants unavailable: slugs stand in for names


def _decorate(invoice: dict[str, Any], names: dict[str, str], today: str) -> dict[str, Any]:
    invoice["status_label"] = STATUS_LABELS.get(invoice.get("status", ""), "")
    invoice["member_name"] = names.get(invoice.get("member", ""), invoice.get("member"))
    invoice["overdue"] = invoice.get("balance_cents", 0) > 0 and invoice["due_date"] < today
    return invoice


@router.get("/invoices", response_class=HTMLResponse)
async def invoices_page(
    request: Request,
    session: GipSession,
    year: YearQuery = None,
    member: MemberQuery = None,
    status: StatusQuery = None,
) -> HTMLResponse:
    api = ConsoleApi(request, session)
    names = await _member_names(api)
    unavailable = None
    invoices: list[dict[str, Any]] = []
    try:
        invoices = await api.items("/api/v1/invoices", member=member, year=year)
    except ApiError as exc:
        unavailable = str(exc)
    today = today_paris().isoformat()
    # billing filters by member and year; the status is computed, so filtered here.
    invoices = [
        _decorate(i, names, today) for i in invoices if not status or i.get("status") == status
    ]
    invoices.sort(key=lambda i: i["number"], reverse=True)
    balances: list[dict[str, Any]] = []
    balances_unavailable = False
    try:
        balances = await api.get("/api/v1/balances", year=year)
    except ApiError:
        balances_unavailable = True
    for b in balances:
        b["name"] = names.get(b.get("member", ""), b.get("member"))
    if member:
        balances = [b for b in balances if b.get("member") == member]
    balances.sort(key=lambda b: str(b["name"]).casefold())
    credit_notes: list[dict[str, Any]] = []
    try:
        credit_notes = await api.items("/api/v1/credit-notes")
    except ApiError:
        pass
    credit_notes = [
        n
        for n in credit_notes
        if (not member or n.get("member") == member)
        and (not year or str(n.get("invoice", "")).startswith(f"GIP-{year}-"))
    ]
    for n in credit_notes:
        n["member_name"] = names.get(n.get("member", ""), n.get("member"))
    credit_notes.sort(key=lambda n: n["number"], reverse=True)
    years = {i["year"] for i in invoices} | ({year} if year else set())
    try:
        years |= {int(y["year"]) for y in await api.items("/api/v1/budget-years")}
    except ApiError:
        pass
    return render(
        request,
        "admin/invoices.html",
        session,
        invoices=invoices,
        balances=balances,
        balances_unavailable=balances_unavailable,
        credit_notes=credit_notes,
        unavailable=unavailable,
        year=year,
        member=member,
        status=status,
        years=sorted(years, reverse=True),
        members=sorted(names.items(), key=lambda kv: kv[1].casefold()),
        statuses=STATUS_LABELS,
    )


async def _invoice_page(
    request: Request,
    session: ConsoleSession,
    number: str,
    *,
    ok: str | None = None,
    problem: FormProblem | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    api = ConsoleApi(request, session)
    invoice = await api.get(f"/api/v1/invoices/{number}")
    names = await _member_names(api)
    _decorate(invoice, names, today_paris().isoformat())
    payments: list[dict[str, Any]] = []
    payments_unavailable = False
    try:
        payments = await api.get(f"/api/v1/invoices/{number}/payments")
    except ApiError:
        payments_unavailable = True
    values = {
        "amount": "",
        "received_on": today_paris().isoformat(),
        "reference": "",
        **(form or {}),
    }
    return render(
        request,
        "admin/invoice.html",
        session,
        status_code=problem.http_status if problem else 200,
        invoice=invoice,
        payments=payments,
        payments_unavailable=payments_unavailable,
        message=flash(MESSAGES, ok),
        problem=problem,
        form=values,
    )


@router.get("/invoices/{number}", response_class=HTMLResponse)
async def invoice_page(
    request: Request,
    session: GipSession,
    number: NumberPath,
    ok: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    return await _invoice_page(request, session, number, ok=ok)


@router.post("/invoices/{number}/payments", response_class=HTMLResponse)
async def record_payment(
    request: Request,
    session: GipForm,
    number: NumberPath,
    amount: Annotated[str, Form(max_length=30)] = "",
    received_on: Annotated[str, Form(max_length=10)] = "",
    reference: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    form = {
        "amount": amount.strip(),
        "received_on": received_on.strip(),
        "reference": reference.strip(),
    }
    fields: dict[str, str] = {}
    cents = parse_euros(form["amount"])
    if not cents:
        fields["amount"] = "Montant en euros attendu, plus grand que zéro (ex. 1 234,56)."
    day = parse_day(form["received_on"])
    if day is None:
        fields["received_on"] = "Date attendue (JJ/MM/AAAA)."
    problem = FormProblem.local("Le paiement est à compléter.", **fields) if fields else None
    if problem is None:
        body: dict[str, Any] = {"amount_cents": cents, "received_on": day}
        if form["reference"]:
            body["reference"] = form["reference"]
        try:
            await ConsoleApi(request, session).post(
                f"/api/v1/invoices/{number}/payments", json=body
            )
        except ApiError as exc:
            problem = form_problem(exc, known=PAYMENT_FIELDS, renames=API_FIELDS)
    if problem is not None:
        return await _invoice_page(request, session, number, problem=problem, form=form)
    return back(f"{PAGE}/{number}", "paid")


@router.get("/invoices/{number}/pdf")
async def invoice_pdf(
    request: Request, session: GipSession, number: NumberPath
) -> StreamingResponse:
    return await stream_document(
        ConsoleApi(request, session),
        f"/api/v1/invoices/{number}/pdf",
        accept="application/pdf",
        filename=f"{number}.pdf",
    )


@router.get("/credit-notes/{number}/pdf")
async def credit_note_pdf(
    request: Request, session: GipSession, number: CreditNumberPath
) -> StreamingResponse:
    return await stream_document(
        ConsoleApi(request, session),
        f"/api/v1/credit-notes/{number}/pdf",
        accept="application/pdf",
        filename=f"{number}.pdf",
    )
