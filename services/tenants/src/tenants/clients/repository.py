"""Queries on machine clients."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from tenants.clients.models import Client
from tenants.common.pagination import PageRequest
from tenants.members.models import Member


async def by_client_id(session: AsyncSession, client_id: str) -> tuple[Client, str] | None:
    query = (
        select(Client, Member.slug)
        .join(Member, col(Member.id) == col(Client.member_id))
        .where(Client.client_id == client_id)
    )
    row = (await session.exec(query)).first()
    return (row[0], row[1]) if row else None


async def count_for(session: AsyncSession, member_id: int, kind: str) -> int:
    query = select(func.count()).where(Client.member_id == member_id, Client.kind == kind)
    return int((await session.exec(query)).one())


async def page(
    session: AsyncSession,
    request: PageRequest,
    *,
    slugs: frozenset[str] | None,
    member: str | None = None,
    kind: str | None = None,
) -> list[tuple[Client, str]]:
    query = (
        select(Client, Member.slug)
        .join(Member, col(Member.id) == col(Client.member_id))
        .where(col(Client.id) > request.after)
    )
    if slugs is not None:
        query = query.where(col(Member.slug).in_(sorted(slugs)))
    if member is not None:
        query = query.where(Member.slug == member)
    if kind is not None:
        query = query.where(Client.kind == kind)
    query = query.order_by(col(Client.id)).limit(request.limit + 1)
    return [(c, s) for c, s in (await session.exec(query)).all()]
