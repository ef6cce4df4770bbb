"""Queries on invoices and credit notes."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from billing.common.pagination import PageRequest
from billing.invoices.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine


async def by_number(session: AsyncSession, number: str) -> Invoice | None:
    return (await session.exec(select(Invoice).where(Invoice.number == number))).first()


async def of_member(session: AsyncSession, run_id: int, member: str) -> Invoice | None:
    query = select(Invoice).where(Invoice.run_id == run_id, Invoice.member == member)
    return (await session.exec(query)).first()


async def of_run(session: AsyncSession, run_id: int) -> list[Invoice]:
    query = select(Invoice).where(Invoice.run_id == run_id).order_by(col(Invoice.id))
    return list((await session.exec(query)).all())


async def page(
    session: AsyncSession,
    request: PageRequest,
    *,
    members: frozenset[str] | None,
    member: str | None = None,
    year: int | None = None,
) -> list[Invoice]:
    query = select(Invoice).where(col(Invoice.id) > request.after)
    if members is not None:
        query = query.where(col(Invoice.member).in_(sorted(members)))
    if member is not None:
        query = query.where(Invoice.member == member)
    if year is not None:
        query = query.where(Invoice.year == year)
    query = query.order_by(col(Invoice.id)).limit(request.limit + 1)
    return list((await session.exec(query)).all())


async def lines(session: AsyncSession, invoice_id: int) -> list[InvoiceLine]:
    query = (
        select(InvoiceLine)
        .where(InvoiceLine.invoice_id == invoice_id)
        .order_by(col(InvoiceLine.position))
    )
    return list((await session.exec(query)).all())


async def credit_notes(session: AsyncSession, invoice_id: int) -> list[CreditNote]:
    query = (
        select(CreditNote).where(CreditNote.invoice_id == invoice_id).order_by(col(CreditNote.id))
    )
    return list((await session.exec(query)).all())


async def credit_note(session: AsyncSession, number: str) -> CreditNote | None:
    return (await session.exec(select(CreditNote).where(CreditNote.number == number))).first()


async def credit_note_page(
    session: AsyncSession, request: PageRequest, *, members: frozenset[str] | None
) -> list[CreditNote]:
    query = select(CreditNote).where(col(CreditNote.id) > request.after)
    if members is not None:
        query = query.where(col(CreditNote.member).in_(sorted(members)))
    query = query.order_by(col(CreditNote.id)).limit(request.limit + 1)
    return list((await session.exec(query)).all())


async def credit_note_lines(
    session: AsyncSession, credit_note_ids: list[int]
) -> list[CreditNoteLine]:
    if not credit_note_ids:
        return []
    query = (
        select(CreditNoteLine)
        .where(col(CreditNoteLine.credit_note_id).in_(credit_note_ids))
        .order_by(col(CreditNoteLine.credit_note_id), col(CreditNoteLine.position))
    )
    return list((await session.exec(query)).all())


async def uncredited_numbers(session: AsyncSession, *, run_id: int) -> list[str]:
    """Invoices of a run whose total is not entirely cancelled by credit notes."""
    out = []
    for invoice in await of_run(session, run_id):
        credited = sum(c.total_ttc_cents for c in await credit_notes(session, invoice.id or 0))
        if credited < invoice.total_ttc_cents:
            out.append(invoice.number)
    return out
