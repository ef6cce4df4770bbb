"""What may happen to establishments: registration, headcounts, declared networks, and the
CSV import that does all three for many at once."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from gipkit.auth import Principal
from gipkit.errors import Conflict, NotFound
from gipkit.french import Reason
from gipkit.types import utcnow
from tenants.common.access import visible_slugs
from tenants.establishments import csv_import, repository
from tenants.establishments.models import Establishment, Headcount, Network
from tenants.establishments.schemas import (
    EstablishmentCreate,
    EstablishmentUpdate,
    HeadcountIn,
    NetworkCreate,
)


async def get_visible(*, session: AsyncSession, principal: Principal, uai: str) -> Establishment:
    """The establishment `uai` if `principal` may see it; 404 otherwise (whoever holds it)."""
    establishment = await repository.by_uai(session, uai)
    slugs = visible_slugs(principal)
    if establishment is None or (
        slugs is not None and not await repository.is_visible(session, establishment.id or 0, slugs)
    ):
        raise NotFound(f"establishment {uai} not found", fr=f"établissement {uai} introuvable")
    return establishment


async def create(*, session: AsyncSession, data: EstablishmentCreate) -> Establishment:
    if await repository.by_uai(session, data.uai) is not None:
        raise Conflict(
            f"establishment {data.uai} already exists", fr=f"l'établissement {data.uai} existe déjà"
        )
    establishment = Establishment(**data.model_dump())
    session.add(establishment)
    try:
        await session.flush()
    except IntegrityError as exc:  # registered concurrently
        raise Conflict(
            f"establishment {data.uai} already exists", fr=f"l'établissement {data.uai} existe déjà"
        ) from exc
    return establishment


async def update(
    *, session: AsyncSession, establishment: Establishment, data: EstablishmentUpdate
) -> Establishment:
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(establishment, key, value)
    establishment.updated_at = utcnow()
    await session.flush()
    return establishment


async def put_headcount(
    *, session: AsyncSession, establishment: Establishment, school_year: str, data: HeadcountIn
) -> Headcount:
    assert establishment.id is not None
    headcount = await session.get(Headcount, (establishment.id, school_year))
    if headcount is None:
        # A table model does not validate on creation: its counts are set below. SQLModel's
        # typing has every field without a default required all the same.
        headcount = Headcount(establishment_id=establishment.id, school_year=school_year)  # type: ignore[call-arg]
        session.add(headcount)
    if (headcount.pupils, headcount.teachers, headcount.staff) != (
        data.pupils,
        data.teachers,
        data.staff,
    ):
        headcount.pupils, headcount.teachers, headcount.staff = (
            data.pupils,
            data.teachers,
            data.staff,
        )
        headcount.updated_at = utcnow()
    await session.flush()
    return headcount


async def add_network(
    *, session: AsyncSession, establishment: Establishment, data: NetworkCreate
) -> Network:
    assert establishment.id is not None
    new = ipaddress.ip_network(data.cidr)
    for existing in await repository.networks(session, establishment.id):
        declared = ipaddress.ip_network(existing.cidr)
        # The same addresses declared twice (or nested) would be counted once anyway and
        # only blur which declaration is meant: refuse, naming the one already there.
        if declared.version == new.version and declared.overlaps(new):
            raise Conflict(
                f"{new} overlaps {declared}, already declared for {establishment.uai}",
                extra={"conflicting_network": existing.id},
                fr=(
                    f"{new} chevauche {declared}, déjà déclaré pour l'établissement "
                    f"{establishment.uai}"
                ),
            )
    network = Network(
        establishment_id=establishment.id, cidr=str(new), version=new.version, label=data.label
    )
    session.add(network)
    await session.flush()
    return network


async def remove_network(
    *, session: AsyncSession, establishment: Establishment, network_id: int
) -> None:
    network = await session.get(Network, network_id)
    if network is None or network.establishment_id != establishment.id:
        raise NotFound(
            f"network {network_id} of {establishment.uai} not found",
            fr=f"réseau {network_id} de l'établissement {establishment.uai} introuvable",
        )
    await session.delete(network)
    await session.flush()


@dataclass
class ImportOutcome:
    rows: int
    created: int
    updated: int
    unchanged: int
    problems: list[csv_import.Problem]


async def import_csv(*, session: AsyncSession, text: str, school_year: str | None) -> ImportOutcome:
    """Store every valid row (create or update), report every invalid one by line.

    Idempotent: a row equal to what is stored changes nothing, not even `updated_at`.
    """
    parsed = csv_import.parse(text)
    problems = parsed.problems
    rows = parsed.rows
    if parsed.has_counts and school_year is None and any(r.counts for r in rows):
        problems.insert(
            0,
            csv_import.Problem(
                1,
                None,
                Reason(
                    "school_year is needed to import headcounts",
                    fr="l'année scolaire (school_year) est nécessaire pour importer des effectifs",
                ),
            ),
        )
        rows = []
    existing = await repository.by_uais(session, [r.uai for r in rows])
    headcounts = (
        await repository.headcounts_for(
            session, [e.id for e in existing.values() if e.id is not None], school_year
        )
        if school_year
        else {}
    )
    now = utcnow()
    changed: set[str] = set()
    new: set[str] = set()
    # Establishments first, in one flush (new rows get their ids) …
    for row in rows:
        fields: dict[str, Any] = {
            "name": row.name,
            "type": row.type.value,
            "commune": row.commune,
            "academie": row.academie,
        }
        establishment = existing.get(row.uai)
        if establishment is None:
            existing[row.uai] = Establishment(uai=row.uai, **fields)
            session.add(existing[row.uai])
            new.add(row.uai)
        elif any(getattr(establishment, k) != val for k, val in fields.items()):
            for k, val in fields.items():
                setattr(establishment, k, val)
            establishment.updated_at = now
            changed.add(row.uai)
    await session.flush()
    # … then their headcounts for the school year.
    for row in rows:
        if row.counts is None or school_year is None:
            continue
        establishment_id = existing[row.uai].id
        assert establishment_id is not None
        headcount = headcounts.get(establishment_id)
        if headcount is None:
            # Counts set below (see put_headcount).
            headcount = Headcount(establishment_id=establishment_id, school_year=school_year)  # type: ignore[call-arg]
            session.add(headcount)
        if (headcount.pupils, headcount.teachers, headcount.staff) != row.counts:
            headcount.pupils, headcount.teachers, headcount.staff = row.counts
            headcount.updated_at = now
            changed.add(row.uai)
    created = len(new)
    updated = len(changed - new)
    unchanged = len(rows) - created - updated
    await session.flush()
    problems.sort(key=lambda p: p.line)
    return ImportOutcome(
        rows=parsed.read, created=created, updated=updated, unchanged=unchanged, problems=problems
    )
