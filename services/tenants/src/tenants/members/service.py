"""What may happen to a member: creation (with its IdP organisation), changes, leaving, and
the reconciliation of members the IdP could not take when they were created."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from gipkit.auth import Principal
from gipkit.errors import Conflict, NotFound
from gipkit.french import day as day_fr
from gipkit.types import utcnow
from tenants.idp.port import IdentityProvider, IdpError, Organization
from tenants.members import repository
from tenants.members.models import DEFAULT_COLLEGE, IdpStatus, Kind, Member
from tenants.members.schemas import MemberCreate, MemberUpdate

log = logging.getLogger("tenants.members")


async def get_visible(*, session: AsyncSession, principal: Principal, slug: str) -> Member:
    """The member `slug`, if it exists and `principal` may see it; 404 otherwise."""
    member = await repository.by_slug(session, slug)
    if member is None or not principal.can_see(member.slug):
        raise NotFound(f"member {slug} not found", fr=f"membre {slug} introuvable")
    return member


async def _flush(session: AsyncSession, what: str, fr: str) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent request took the slug or name first
        raise Conflict(f"{what} already exists", fr=f"{fr} existe déjà") from exc


async def provision(*, idp: IdentityProvider, member: Member) -> bool:
    """Make sure the member's organisation exists in the IdP (alias = slug).

    An unreachable or failing IdP leaves the member `pending` with the reason; nothing is
    lost, and `reconcile` tries again. Safe to repeat: the IdP side adopts what exists.
    """
    org = Organization(
        alias=member.slug, name=member.name, domains=(member.domain,) if member.domain else ()
    )
    try:
        member.idp_org_id = await idp.ensure_organization(org, known_id=member.idp_org_id)
    except IdpError as exc:
        log.warning("member %s stays pending in the IdP: %s", member.slug, exc)
        member.idp_status = IdpStatus.pending
        member.idp_error = str(exc)[:500]
        return False
    member.idp_status = IdpStatus.provisioned
    member.idp_error = None
    return True


async def create(
    *, session: AsyncSession, idp: IdentityProvider, data: MemberCreate, today: date
) -> Member:
    if await repository.by_slug(session, data.slug) is not None:
        raise Conflict(
            f"member {data.slug} already exists", fr=f"le membre {data.slug} existe déjà"
        )
    if await repository.name_taken(session, data.name):
        raise Conflict(
            f"a member named {data.name!r} already exists",
            fr=f"un membre nommé « {data.name} » existe déjà",
        )
    member = Member(
        slug=data.slug,
        name=data.name,
        kind=data.kind,
        college=data.college or DEFAULT_COLLEGE[Kind(data.kind)],
        siren=data.siren,
        domain=data.domain,
        contact_name=data.contact_name,
        contact_email=data.contact_email,
        joined_on=data.joined_on or today,
        idp_status=IdpStatus.pending,
    )
    session.add(member)
    # Stored (pending) before the IdP is asked: if the IdP is down, the member still exists.
    await _flush(session, f"member {data.slug}", f"le membre {data.slug}")
    await provision(idp=idp, member=member)
    await session.flush()
    return member


async def update(
    *, session: AsyncSession, idp: IdentityProvider, member: Member, data: MemberUpdate
) -> Member:
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] != member.name:
        if await repository.name_taken(session, changes["name"], other_than=member.id):
            raise Conflict(
                f"a member named {changes['name']!r} already exists",
                fr=f"un membre nommé « {changes['name']} » existe déjà",
            )
    joined_on = changes.get("joined_on", member.joined_on)
    if member.left_on is not None and joined_on > member.left_on:
        raise Conflict(
            f"member {member.slug} left on {member.left_on}, before {joined_on}",
            fr=(
                f"le membre {member.slug} a quitté le GIP le {day_fr(member.left_on)}, avant le "
                f"{day_fr(joined_on)}"
            ),
        )
    renamed = changes.get("name", member.name) != member.name
    for key, value in changes.items():
        setattr(member, key, value)
    member.updated_at = utcnow()
    await _flush(session, f"a member named {member.name!r}", f"un membre nommé « {member.name} »")
    if renamed or member.idp_status == IdpStatus.pending:
        await provision(idp=idp, member=member)
    return member


async def leave(*, session: AsyncSession, member: Member, left_on: date) -> Member:
    if member.left_on is not None:
        raise Conflict(
            f"member {member.slug} already left on {member.left_on}",
            fr=f"le membre {member.slug} a déjà quitté le GIP le {day_fr(member.left_on)}",
        )
    if left_on < member.joined_on:
        raise Conflict(
            f"member {member.slug} joined on {member.joined_on}, after {left_on}",
            fr=(
                f"le membre {member.slug} a adhéré le {day_fr(member.joined_on)}, après le "
                f"{day_fr(left_on)}"
            ),
        )
    # Nothing is deleted: its projects, establishments and history stay as they were.
    member.left_on = left_on
    member.updated_at = utcnow()
    await session.flush()
    return member


@dataclass
class ReconcileReport:
    checked: int = 0
    provisioned: list[str] = field(default_factory=list)
    pending: dict[str, str] = field(default_factory=dict)


async def reconcile(*, session: AsyncSession, idp: IdentityProvider) -> ReconcileReport:
    """Provision every pending member. Idempotent: provisioned members are left alone, and
    the IdP side adopts an organisation a previous attempt created."""
    report = ReconcileReport()
    for member in await repository.pending(session):
        report.checked += 1
        if await provision(idp=idp, member=member):
            report.provisioned.append(member.slug)
        else:
            report.pending[member.slug] = member.idp_error or "unknown"
        member.updated_at = utcnow()
    await session.flush()
    return report
