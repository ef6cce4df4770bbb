"""Queries on establishments, headcounts and networks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, false
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from tenants.common.pagination import PageRequest
from tenants.establishments.models import Establishment, Headcount, Network

# Bound parameters per IN (...): well under SQLite's and PostgreSQL's limits.
CHUNK = 500


def visible_to(slugs: frozenset[str] | None) -> ColumnElement[bool] | None:
    """The establishments members `slugs` may see (None: no restriction): those that are or
    were in one of their projects."""
    if slugs is None:
        return None
    if not slugs:
        return false()
    from tenants.projects.repository import establishment_visible_to

    return establishment_visible_to(slugs)


async def by_uai(session: AsyncSession, uai: str) -> Establishment | None:
    return (await session.exec(select(Establishment).where(Establishment.uai == uai))).first()


async def by_uais(session: AsyncSession, uais: Sequence[str]) -> dict[str, Establishment]:
    found: dict[str, Establishment] = {}
    for start in range(0, len(uais), CHUNK):
        chunk = uais[start : start + CHUNK]
        query = select(Establishment).where(col(Establishment.uai).in_(chunk))
        found.update({e.uai: e for e in (await session.exec(query)).all()})
    return found


async def page(
    session: AsyncSession,
    request: PageRequest,
    *,
    slugs: frozenset[str] | None,
    academie: str | None = None,
    type: str | None = None,
    commune: str | None = None,
) -> list[Establishment]:
    query = select(Establishment).where(col(Establishment.id) > request.after)
    if (visible := visible_to(slugs)) is not None:
        query = query.where(visible)
    if academie is not None:
        query = query.where(Establishment.academie == academie)
    if type is not None:
        query = query.where(Establishment.type == type)
    if commune is not None:
        query = query.where(Establishment.commune == commune)
    query = query.order_by(col(Establishment.id)).limit(request.limit + 1)
    return list((await session.exec(query)).all())


async def is_visible(session: AsyncSession, establishment_id: int, slugs: frozenset[str]) -> bool:
    visible = visible_to(slugs)
    query = select(Establishment.id).where(Establishment.id == establishment_id)
    if visible is not None:
        query = query.where(visible)
    return (await session.exec(query)).first() is not None


async def headcounts(session: AsyncSession, establishment_id: int) -> list[Headcount]:
    query = (
        select(Headcount)
        .where(Headcount.establishment_id == establishment_id)
        .order_by(col(Headcount.school_year))
    )
    return list((await session.exec(query)).all())


async def headcounts_for(
    session: AsyncSession, establishment_ids: Iterable[int], school_year: str
) -> dict[int, Headcount]:
    ids = list(establishment_ids)
    found: dict[int, Headcount] = {}
    for start in range(0, len(ids), CHUNK):
        query = select(Headcount).where(
            col(Headcount.establishment_id).in_(ids[start : start + CHUNK]),
            Headcount.school_year == school_year,
        )
        found.update({h.establishment_id: h for h in (await session.exec(query)).all()})
    return found


async def networks(session: AsyncSession, establishment_id: int) -> list[Network]:
    query = (
        select(Network)
        .where(Network.establishment_id == establishment_id)
        .order_by(col(Network.id))
    )
    return list((await session.exec(query)).all())
