"""Queries on subscriptions."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from billing.common.pagination import PageRequest
from billing.subscriptions.models import Subscription


async def by_id(session: AsyncSession, id_: int) -> Subscription | None:
    return await session.get(Subscription, id_)


async def page(
    session: AsyncSession,
    request: PageRequest,
    *,
    members: frozenset[str] | None,
    member: str | None = None,
    year: int | None = None,
    prestation: str | None = None,
) -> list[Subscription]:
    query = select(Subscription).where(col(Subscription.id) > request.after)
    if members is not None:
        query = query.where(col(Subscription.member).in_(sorted(members)))
    if member is not None:
        query = query.where(Subscription.member == member)
    if year is not None:
        query = query.where(Subscription.year == year)
    if prestation is not None:
        query = query.where(Subscription.prestation == prestation)
    query = query.order_by(col(Subscription.id)).limit(request.limit + 1)
    return list((await session.exec(query)).all())


async def live(
    session: AsyncSession,
    *,
    year: int,
    member: str | None = None,
    prestation: str | None = None,
) -> list[Subscription]:
    """Subscriptions of a year that were not cancelled before they started."""
    query = select(Subscription).where(
        Subscription.year == year, col(Subscription.cancelled_at).is_(None)
    )
    if member is not None:
        query = query.where(Subscription.member == member)
    if prestation is not None:
        query = query.where(Subscription.prestation == prestation)
    return list((await session.exec(query.order_by(col(Subscription.id)))).all())
