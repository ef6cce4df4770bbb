"""Factures: a member's invoices with their payment status and balance, and their PDFs
streamed from billing (billing decides who may read them)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from gateway.console.api import ConsoleApi
from gateway.console.errors import ApiError
from gateway.console.formatting import today_paris
from gateway.console.member.common import (
    AdminSession,
    NoMember,
    member_context,
    no_member_page,
    stream_document,
)
from gateway.console.pages import render
from gateway.console.params import MemberQuery, YearQuery

router = APIRouter(prefix="/console/invoices", include_in_schema=False)

# billing's invoice numbers: nothing else reaches its URL.
NumberPath = Annotated[str, Path(pattern=r"^GIP-[0-9]{4}-[0-9]{6}$")]

STATUS_LABELS = {
    "unpaid": "À payer",
    "partial": "Payée en partie",
    "paid": "Payée",
    "credited": "Annulée par avoir",
}


@router.get("", response_class=HTMLResponse)
async def invoices_page(
    request: Request,
    session: AdminSession,
    member: MemberQuery = None,
    year: YearQuery = None,
) -> HTMLResponse:
    api = ConsoleApi(request, session)
    try:
        ctx = await member_context(api, session, member)
    except NoMember:
        return no_member_page(request, session)
    invoices = await api.items("/api/v1/invoices", member=ctx.slug, year=year)
    today = today_paris().isoformat()
    for invoice in invoices:
        invoice["status_label"] = STATUS_LABELS.get(invoice.get("status", ""), "")
        invoice["overdue"] = invoice.get("balance_cents", 0) > 0 and invoice["due_date"] < today
    invoices.sort(key=lambda i: i["number"], reverse=True)
    balance: dict[str, Any] | None = None
    unavailable = False
    try:
        balances = await api.get("/api/v1/balances", year=year)
        balance = next((b for b in balances if b.get("member") == ctx.slug), None)
    except ApiError:
        unavailable = True
    years = {i["year"] for i in invoices} | ({year} if year else set())
    try:
        years |= {int(y["year"]) for y in await api.items("/api/v1/budget-years")}
    except ApiError:
        pass
    return render(
        request,
        "invoices.html",
        session,
        ctx=ctx,
        invoices=invoices,
        balance=balance,
        balance_unavailable=unavailable,
        year=year,
        years=sorted(years, reverse=True),
    )


@router.get("/{number}/pdf")
async def invoice_pdf(
    request: Request, session: AdminSession, number: NumberPath
) -> StreamingResponse:
    api = ConsoleApi(request, session)
    return await stream_document(
        api,
        f"/api/v1/invoices/{number}/pdf",
        accept="application/pdf",
        filename=f"{number}.pdf",
    )
