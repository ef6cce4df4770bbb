"""Queries on payments."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from billing.payments.models import Payment


async def of_invoice(session: AsyncSession, invoice_id: int) -> list[Payment]:
    query = select(Payment).where(Payment.invoice_id == invoice_id).order_by(col(Payment.id))
    return list((await session.exec(query)).all())


async def all_of(session: AsyncSession, invoice_ids: list[int]) -> list[Payment]:
    if not invoice_ids:
        return []
    query = select(Payment).where(col(Payment.invoice_id).in_(invoice_ids))
    return list((await session.exec(query.order_by(col(Payment.id)))).all())
