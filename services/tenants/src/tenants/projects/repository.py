"""Queries on projects, their funders and their establishments over time."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, exists
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from tenants.common.pagination import PageRequest
from tenants.establishments.models import Establishment
from tenants.members.models import Member
from tenants.projects.models import Membership, Project, ProjectFunder


def funded_by(slugs: frozenset[str]) -> ColumnElement[bool]:
    """Projects funded by one of the members `slugs`."""
    return exists(
        select(ProjectFunder.project_id)
        .join(Member, col(Member.id) == col(ProjectFunder.member_id))
        .where(
            col(ProjectFunder.project_id) == col(Project.id),
            col(Member.slug).in_(sorted(slugs)),
        )
    )


def establishment_visible_to(slugs: frozenset[str]) -> ColumnElement[bool]:
    """Establishments that are or were in a project funded by one of `slugs`: a member sees
    the history of what it funded."""
    return exists(
        select(Membership.id)
        .join(Project, col(Project.id) == col(Membership.project_id))
        .where(col(Membership.establishment_id) == col(Establishment.id), funded_by(slugs))
    )


async def by_slug(session: AsyncSession, slug: str) -> Project | None:
    return (await session.exec(select(Project).where(Project.slug == slug))).first()


async def by_site_id(session: AsyncSession, site_id: str) -> Project | None:
    return (await session.exec(select(Project).where(Project.site_id == site_id))).first()


async def is_funded_by(session: AsyncSession, project_id: int, slugs: frozenset[str]) -> bool:
    query = select(Project.id).where(Project.id == project_id, funded_by(slugs))
    return (await session.exec(query)).first() is not None


async def page(
    session: AsyncSession,
    request: PageRequest,
    *,
    slugs: frozenset[str] | None,
    member: str | None = None,
    vendor: str | None = None,
) -> list[Project]:
    query = select(Project).where(col(Project.id) > request.after)
    if slugs is not None:
        query = query.where(funded_by(slugs))
    if member is not None:
        query = query.where(funded_by(frozenset({member})))
    if vendor is not None:
        query = query.where(Project.vendor == vendor)
    query = query.order_by(col(Project.id)).limit(request.limit + 1)
    return list((await session.exec(query)).all())


async def funders(
    session: AsyncSession, project_ids: list[int]
) -> dict[int, list[tuple[str, bool]]]:
    """(member slug, responsible) of each project, the responsible member first."""
    if not project_ids:
        return {}
    query = (
        select(ProjectFunder.project_id, Member.slug, ProjectFunder.responsible)
        .join(Member, col(Member.id) == col(ProjectFunder.member_id))
        .where(col(ProjectFunder.project_id).in_(project_ids))
        .order_by(col(ProjectFunder.responsible).desc(), col(Member.slug))
    )
    found: dict[int, list[tuple[str, bool]]] = {i: [] for i in project_ids}
    for project_id, slug, responsible in (await session.exec(query)).all():
        found[project_id].append((slug, responsible))
    return found


async def funder_rows(session: AsyncSession, project_id: int) -> list[ProjectFunder]:
    query = select(ProjectFunder).where(ProjectFunder.project_id == project_id)
    return list((await session.exec(query)).all())


def _overlapping(establishment_id: int, start: date, end: date | None) -> Select[Membership, str]:
    """Memberships of the establishment whose period meets [start, end] (None: no end)."""
    query = select(Membership, Project.slug).join(
        Project, col(Project.id) == col(Membership.project_id)
    )
    query = query.where(
        Membership.establishment_id == establishment_id,
        or_(col(Membership.valid_to).is_(None), col(Membership.valid_to) >= start),
    )
    if end is not None:
        query = query.where(col(Membership.valid_from) <= end)
    return query


async def overlapping(
    session: AsyncSession,
    *,
    establishment_id: int,
    start: date,
    end: date | None,
    other_than: int | None = None,
) -> tuple[Membership, str] | None:
    query = _overlapping(establishment_id, start, end)
    if other_than is not None:
        query = query.where(col(Membership.id) != other_than)
    row = (await session.exec(query.order_by(col(Membership.valid_from)))).first()
    return (row[0], row[1]) if row else None


async def lock_establishment(session: AsyncSession, establishment_id: int) -> None:
    """Serialise changes to one establishment's memberships: the overlap check and the write
    that follows must not interleave with another request's (PostgreSQL row lock; SQLite
    has a single writer anyway)."""
    query = select(Establishment.id).where(Establishment.id == establishment_id).with_for_update()
    await session.exec(query)


async def memberships_page(
    session: AsyncSession,
    request: PageRequest,
    *,
    project_id: int,
    uai: str | None = None,
) -> list[tuple[Membership, str]]:
    query = (
        select(Membership, Establishment.uai)
        .join(Establishment, col(Establishment.id) == col(Membership.establishment_id))
        .where(Membership.project_id == project_id, col(Membership.id) > request.after)
    )
    if uai is not None:
        query = query.where(Establishment.uai == uai)
    query = query.order_by(col(Membership.id)).limit(request.limit + 1)
    return [(m, u) for m, u in (await session.exec(query)).all()]


def in_effect_on(day: date) -> ColumnElement[bool]:
    return (col(Membership.valid_from) <= day) & or_(
        col(Membership.valid_to).is_(None), col(Membership.valid_to) >= day
    )


async def establishments_on(
    session: AsyncSession, request: PageRequest, *, project_id: int, day: date | None
) -> list[tuple[Establishment, Membership]]:
    """The project's establishments on `day` (None: every period), keyed by membership."""
    query = (
        select(Establishment, Membership)
        .join(Membership, col(Membership.establishment_id) == col(Establishment.id))
        .where(Membership.project_id == project_id, col(Membership.id) > request.after)
    )
    if day is not None:
        query = query.where(in_effect_on(day))
    query = query.order_by(col(Membership.id)).limit(request.limit + 1)
    return [(e, m) for e, m in (await session.exec(query)).all()]


async def establishment_ids_of_members_projects(
    session: AsyncSession, *, member_id: int, day: date
) -> tuple[list[int], list[str]]:
    """Establishments in the member's projects on `day`, and the slugs of those projects."""
    projects = select(ProjectFunder.project_id).where(ProjectFunder.member_id == member_id)
    slugs = (
        await session.exec(
            select(Project.slug).where(col(Project.id).in_(projects)).order_by(col(Project.slug))
        )
    ).all()
    ids = (
        await session.exec(
            select(Membership.establishment_id)
            .where(col(Membership.project_id).in_(projects), in_effect_on(day))
            .distinct()
        )
    ).all()
    return list(ids), list(slugs)
