"""Queries on allocation runs."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from billing.allocations.models import AllocationLine, AllocationMember, AllocationRun, RunStatus
from billing.common.pagination import PageRequest


async def by_id(session: AsyncSession, id_: int) -> AllocationRun | None:
    return await session.get(AllocationRun, id_)


async def page(
    session: AsyncSession, request: PageRequest, *, year: int | None
) -> list[AllocationRun]:
    query = select(AllocationRun).where(col(AllocationRun.id) > request.after)
    if year is not None:
        query = query.where(AllocationRun.year == year)
    query = query.order_by(col(AllocationRun.id)).limit(request.limit + 1)
    return list((await session.exec(query)).all())


async def approved(session: AsyncSession, year: int) -> AllocationRun | None:
    query = select(AllocationRun).where(
        AllocationRun.year == year, AllocationRun.status == RunStatus.approved
    )
    return (await session.exec(query)).first()


async def lines(
    session: AsyncSession,
    run_id: int,
    *,
    members: frozenset[str] | None = None,
    member: str | None = None,
    prestation: str | None = None,
    request: PageRequest | None = None,
) -> list[AllocationLine]:
    query = select(AllocationLine).where(AllocationLine.run_id == run_id)
    if members is not None:
        query = query.where(col(AllocationLine.member).in_(sorted(members)))
    if member is not None:
        query = query.where(AllocationLine.member == member)
    if prestation is not None:
        query = query.where(AllocationLine.prestation == prestation)
    if request is not None:
        query = query.where(col(AllocationLine.id) > request.after).limit(request.limit + 1)
    return list((await session.exec(query.order_by(col(AllocationLine.id)))).all())


async def members(
    session: AsyncSession, run_id: int, *, visible: frozenset[str] | None = None
) -> list[AllocationMember]:
    query = select(AllocationMember).where(AllocationMember.run_id == run_id)
    if visible is not None:
        query = query.where(col(AllocationMember.member).in_(sorted(visible)))
    return list((await session.exec(query.order_by(col(AllocationMember.member)))).all())


async def clear(session: AsyncSession, run_id: int) -> None:
    await session.exec(delete(AllocationLine).where(col(AllocationLine.run_id) == run_id))
    await session.exec(delete(AllocationMember).where(col(AllocationMember.run_id) == run_id))
