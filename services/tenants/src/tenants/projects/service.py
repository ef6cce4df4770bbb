"""What may happen to ENT projects: creation with their funders, changes, and establishments
joining and leaving them over time without ever being in two projects on the same day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from gipkit.auth import Principal
from gipkit.errors import Conflict, NotFound
from gipkit.french import day as day_fr
from gipkit.types import utcnow
from tenants.common.access import visible_slugs
from tenants.establishments import repository as establishments
from tenants.members import repository as members
from tenants.members.models import Member
from tenants.projects import repository
from tenants.projects.models import Membership, Project, ProjectFunder
from tenants.projects.schemas import MembershipCreate, ProjectCreate, ProjectUpdate


async def get_visible(*, session: AsyncSession, principal: Principal, slug: str) -> Project:
    """The project if `principal` may see it (one of its funders' people); 404 otherwise."""
    project = await repository.by_slug(session, slug)
    slugs = visible_slugs(principal)
    if project is None or (
        slugs is not None and not await repository.is_funded_by(session, project.id or 0, slugs)
    ):
        raise NotFound(f"project {slug} not found", fr=f"projet {slug} introuvable")
    return project


async def get_visible_by_site(
    *, session: AsyncSession, principal: Principal, site_id: str
) -> Project:
    project = await repository.by_site_id(session, site_id)
    slugs = visible_slugs(principal)
    if project is None or (
        slugs is not None and not await repository.is_funded_by(session, project.id or 0, slugs)
    ):
        raise NotFound(f"site {site_id} not found", fr=f"site {site_id} introuvable")
    return project


async def _set_funders(
    session: AsyncSession, project: Project, responsible: str, cofunders: list[str]
) -> None:
    wanted = [responsible, *[c for c in dict.fromkeys(cofunders) if c != responsible]]
    found = {m.slug: m for m in await members.by_slugs(session, wanted)}
    missing = [s for s in wanted if s not in found]
    if missing:
        raise NotFound(
            f"member {', '.join(missing)} not found",
            fr=f"membre introuvable : {', '.join(missing)}",
        )
    for row in await repository.funder_rows(session, project.id or 0):
        await session.delete(row)
    await session.flush()
    assert project.id is not None  # flushed or loaded: it has its id
    for slug in wanted:
        member_id = found[slug].id
        assert member_id is not None  # loaded: it has its id
        session.add(
            ProjectFunder(
                project_id=project.id, member_id=member_id, responsible=slug == responsible
            )
        )


async def _site_free(session: AsyncSession, site_id: str, project: Project | None) -> None:
    holder = await repository.by_site_id(session, site_id)
    if holder is not None and holder is not project:
        raise Conflict(
            f"site {site_id} is already the site of project {holder.slug}",
            fr=f"le site {site_id} est déjà celui du projet {holder.slug}",
        )


async def _flush(session: AsyncSession, what: str, fr: str) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent request took the slug or site id first
        raise Conflict(f"{what} is already taken", fr=f"{fr} est déjà pris") from exc


async def create(*, session: AsyncSession, data: ProjectCreate) -> Project:
    if await repository.by_slug(session, data.slug) is not None:
        raise Conflict(
            f"project {data.slug} already exists", fr=f"le projet {data.slug} existe déjà"
        )
    await _site_free(session, data.site_id, None)
    project = Project(
        slug=data.slug,
        name=data.name,
        vendor=data.vendor,
        site_id=data.site_id,
        allowed_origins=list(dict.fromkeys(data.allowed_origins)),
    )
    session.add(project)
    await _flush(
        session,
        f"project {data.slug} or site {data.site_id}",
        f"le projet {data.slug} ou le site {data.site_id}",
    )
    await _set_funders(session, project, data.responsible, data.cofunders)
    await session.flush()
    return project


async def update(*, session: AsyncSession, project: Project, data: ProjectUpdate) -> Project:
    changes = data.model_dump(exclude_unset=True)
    if "site_id" in changes:
        await _site_free(session, changes["site_id"], project)
    if "responsible" in changes or "cofunders" in changes:
        current = await repository.funders(session, [project.id or 0])
        rows = current[project.id or 0]
        responsible = changes.get("responsible") or next(s for s, r in rows if r)
        # Moving responsibility alone keeps every funder (the former responsible one too).
        cofunders = changes.get("cofunders", [s for s, _ in rows])
        await _set_funders(session, project, responsible, cofunders)
    for key in ("name", "vendor", "site_id"):
        if key in changes:
            setattr(project, key, changes[key])
    if "allowed_origins" in changes:
        project.allowed_origins = list(dict.fromkeys(changes["allowed_origins"]))
    project.updated_at = utcnow()
    await _flush(session, f"site {project.site_id}", f"le site {project.site_id}")
    return project


def _overlap_conflict(uai: str, other: Membership, other_project: str) -> Conflict:
    end = other.valid_to.isoformat() if other.valid_to else "no end"
    until = f"au {day_fr(other.valid_to)}" if other.valid_to else "sans date de fin"
    return Conflict(
        f"establishment {uai} belongs to project {other_project} "
        f"from {other.valid_from.isoformat()} to {end}",
        extra={"conflicting_project": other_project, "conflicting_membership": other.id},
        fr=f"l'établissement {uai} appartient au projet {other_project} du "
        f"{day_fr(other.valid_from)} {until}",
    )


async def attach(*, session: AsyncSession, project: Project, data: MembershipCreate) -> Membership:
    """The establishment joins the project on `valid_from`, with no end yet."""
    establishment = await establishments.by_uai(session, data.uai)
    if establishment is None or establishment.id is None:
        raise NotFound(
            f"establishment {data.uai} not found", fr=f"établissement {data.uai} introuvable"
        )
    await repository.lock_establishment(session, establishment.id)
    clash = await repository.overlapping(
        session, establishment_id=establishment.id, start=data.valid_from, end=None
    )
    if clash is not None:
        raise _overlap_conflict(data.uai, *clash)
    assert project.id is not None  # loaded: it has its id
    membership = Membership(
        project_id=project.id, establishment_id=establishment.id, valid_from=data.valid_from
    )
    session.add(membership)
    await session.flush()
    return membership


async def membership_of(
    *, session: AsyncSession, project: Project, membership_id: int
) -> Membership:
    membership = await session.get(Membership, membership_id)
    if membership is None or membership.project_id != project.id:
        raise NotFound(
            f"membership {membership_id} of project {project.slug} not found",
            fr=f"rattachement n° {membership_id} du projet {project.slug} introuvable",
        )
    return membership


async def set_end(
    *,
    session: AsyncSession,
    project: Project,
    membership: Membership,
    valid_to: date | None,
    uai: str,
) -> Membership:
    """Detach on `valid_to` (its last day in the project), or reopen with None."""
    if valid_to is not None and valid_to < membership.valid_from:
        starts = membership.valid_from.isoformat()
        raise Conflict(
            f"the membership starts on {starts}, after {valid_to.isoformat()}",
            fr=(
                f"le rattachement commence le {day_fr(membership.valid_from)}, après le "
                f"{day_fr(valid_to)}"
            ),
        )
    await repository.lock_establishment(session, membership.establishment_id)
    clash = await repository.overlapping(
        session,
        establishment_id=membership.establishment_id,
        start=membership.valid_from,
        end=valid_to,
        other_than=membership.id,
    )
    if clash is not None:
        raise _overlap_conflict(uai, *clash)
    membership.valid_to = valid_to
    await session.flush()
    return membership


async def remove_membership(*, session: AsyncSession, membership: Membership) -> None:
    """For a membership recorded by mistake; ending one is `set_end`."""
    await session.delete(membership)
    await session.flush()


@dataclass
class Coverage:
    """What a member's projects cover on a date, with one school year's headcounts."""

    establishments: int
    without_headcount: int
    pupils: int
    teachers: int
    staff: int
    projects: list[str]


async def coverage(
    *, session: AsyncSession, member: Member, school_year: str, on: date
) -> Coverage:
    """Sum of the headcounts of `school_year` over the establishments that belong, on `on`,
    to a project the member funds. An establishment is counted once even if two of the
    member's projects had it (it cannot be in both on the same day)."""
    ids, slugs = await repository.establishment_ids_of_members_projects(
        session, member_id=member.id or 0, day=on
    )
    headcounts = await establishments.headcounts_for(session, ids, school_year)
    return Coverage(
        establishments=len(ids),
        without_headcount=len(ids) - len(headcounts),
        pupils=sum(h.pupils for h in headcounts.values()),
        teachers=sum(h.teachers for h in headcounts.values()),
        staff=sum(h.staff for h in headcounts.values()),
        projects=slugs,
    )
