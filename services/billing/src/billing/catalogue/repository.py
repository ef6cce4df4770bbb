"""Queries on the catalogue."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from billing.catalogue.models import BudgetYear, InKind, Prestation
from billing.common.pagination import PageRequest


async def year(session: AsyncSession, value: int) -> BudgetYear | None:
    return (await session.exec(select(BudgetYear).where(BudgetYear.year == value))).first()


async def years(session: AsyncSession, page: PageRequest) -> list[BudgetYear]:
    query = (
        select(BudgetYear)
        .where(col(BudgetYear.id) > page.after)
        .order_by(col(BudgetYear.id))
        .limit(page.limit + 1)
    )
    return list((await session.exec(query)).all())


async def prestation(session: AsyncSession, year: int, code: str) -> Prestation | None:
    query = select(Prestation).where(Prestation.year == year, Prestation.code == code)
    return (await session.exec(query)).first()


async def prestations(session: AsyncSession, year: int) -> list[Prestation]:
    query = select(Prestation).where(Prestation.year == year).order_by(col(Prestation.code))
    return list((await session.exec(query)).all())


async def in_kind(session: AsyncSession, year: int, member: str) -> InKind | None:
    query = select(InKind).where(InKind.year == year, InKind.member == member)
    return (await session.exec(query)).first()


async def in_kinds(
    session: AsyncSession, year: int, members: frozenset[str] | None = None
) -> list[InKind]:
    query = select(InKind).where(InKind.year == year)
    if members is not None:
        query = query.where(col(InKind.member).in_(sorted(members)))
    return list((await session.exec(query.order_by(col(InKind.member)))).all())
