"""Payments against invoices, balances per member, the accountant's ledger."""

from __future__ import annotations

from fastapi import Response

from billing.common.access import Admin, PersonReader, visible_members
from billing.common.deps import who
from billing.common.responses import CSVResponse, csv_response, text_responses
from billing.common.schemas import YearQuery
from billing.invoices import service as invoices
from billing.invoices.router import NumberPath
from billing.payments import repository, service
from billing.payments.models import Payment
from billing.payments.schemas import BalancePublic, PaymentCreate, PaymentPublic
from gipkit.db import SessionDep
from gipkit.errors import problem_responses
from gipkit.routing import api_router

router = api_router("/api/v1", tags=["payments"])


def _public(payment: Payment, number: str) -> PaymentPublic:
    return PaymentPublic.model_validate({**payment.model_dump(), "invoice": number})


@router.post(
    "/invoices/{number}/payments",
    status_code=201,
    response_model=PaymentPublic,
    summary="Record a payment received against an invoice",
    responses=problem_responses(404, 409),
)
async def record_payment(
    number: NumberPath,
    body: PaymentCreate,
    principal: Admin,
    session: SessionDep,
    response: Response,
) -> PaymentPublic:
    invoice = await invoices.get_visible(session, principal=principal, number=number)
    payment = await service.record(session=session, invoice=invoice, data=body, by=who(principal))
    response.headers["Location"] = f"/api/v1/invoices/{number}/payments"
    return _public(payment, number)


@router.get(
    "/invoices/{number}/payments",
    response_model=list[PaymentPublic],
    summary="Payments of an invoice",
    responses=problem_responses(404),
)
async def list_payments(
    number: NumberPath, principal: PersonReader, session: SessionDep
) -> list[PaymentPublic]:
    invoice = await invoices.get_visible(session, principal=principal, number=number)
    return [_public(p, number) for p in await repository.of_invoice(session, invoice.id or 0)]


@router.get(
    "/balances",
    response_model=list[BalancePublic],
    summary="Balance per member: invoiced − credited − paid (a member: its own)",
)
async def balances(
    principal: PersonReader, session: SessionDep, year: YearQuery = None
) -> list[BalancePublic]:
    rows = await service.balances(session=session, members=visible_members(principal), year=year)
    return [
        BalancePublic(
            member=b.member,
            invoiced_ttc_cents=b.invoiced_ttc_cents,
            credited_ttc_cents=b.credited_ttc_cents,
            paid_cents=b.paid_cents,
            balance_cents=b.balance_cents,
        )
        for b in rows
    ]


@router.get(
    "/ledger.csv",
    response_class=CSVResponse,
    summary="Invoices, credit notes and payments in order, for the accountant (CSV)",
    responses=text_responses("text/csv", "The ledger"),
)
async def ledger(_: Admin, session: SessionDep, year: YearQuery = None) -> CSVResponse:
    text = await service.ledger_csv(session=session, year=year)
    return csv_response(text, f"ledger-{year or 'all'}.csv")
