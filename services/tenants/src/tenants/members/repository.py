"""Queries on members."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from tenants.common.pagination import PageRequest
from tenants.members.models import IdpStatus, Member


async def by_slug(session: AsyncSession, slug: str) -> Member | None:
    return (await session.exec(select(Member).where(Member.slug == slug))).first()


async def by_slugs(session: AsyncSession, slugs: Sequence[str]) -> list[Member]:
    if not slugs:
        return []
    return list((await session.exec(select(Member).where(col(Member.slug).in_(slugs)))).all())


async def name_taken(session: AsyncSession, name: str, *, other_than: int | None = None) -> bool:
    query = select(Member.id).where(Member.name == name)
    if other_than is not None:
        query = query.where(Member.id != other_than)
    return (await session.exec(query)).first() is not None


async def page(
    session: AsyncSession,
    request: PageRequest,
    *,
    slugs: frozenset[str] | None,
    college: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    today: date,
) -> list[Member]:
    query = select(Member).where(col(Member.id) > request.after)
    if slugs is not None:
        query = query.where(col(Member.slug).in_(sorted(slugs)))
    if college is not None:
        query = query.where(Member.college == college)
    if kind is not None:
        query = query.where(Member.kind == kind)
    if status == "left":
        query = query.where(col(Member.left_on) < today)
    elif status == "active":
        query = query.where(or_(col(Member.left_on).is_(None), col(Member.left_on) >= today))
    query = query.order_by(col(Member.id)).limit(request.limit + 1)
    return list((await session.exec(query)).all())


async def pending(session: AsyncSession) -> list[Member]:
    query = select(Member).where(Member.idp_status == IdpStatus.pending).order_by(col(Member.id))
    return list((await session.exec(query)).all())
