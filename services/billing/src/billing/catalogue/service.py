"""Decisions on the catalogue: budget years, prestations, in-kind contributions."""

from __future__ import annotations

from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from billing.catalogue import repository
from billing.catalogue.models import BudgetYear, InKind, Prestation
from billing.catalogue.schemas import (
    BudgetYearCreate,
    InKindPut,
    PrestationCreate,
    PrestationUpdate,
)
from gipkit.errors import Conflict, NotFound
from gipkit.types import utcnow


async def get_year(session: AsyncSession, year: int) -> BudgetYear:
    found = await repository.year(session, year)
    if found is None:
        raise NotFound(
            f"budget year {year} not found", fr=f"exercice budgétaire {year} introuvable"
        )
    return found


async def create_year(*, session: AsyncSession, data: BudgetYearCreate) -> BudgetYear:
    if await repository.year(session, data.year) is not None:
        raise Conflict(
            f"budget year {data.year} already exists",
            fr=f"l'exercice budgétaire {data.year} existe déjà",
        )
    y = data.year
    visits_year = y - 1 if data.visits_period == "previous_year" else y
    row = BudgetYear(
        year=y,
        label=data.label or f"Exercice {y}",
        starts_on=date(y, 1, 1),
        ends_on=date(y, 12, 31),
        school_year=data.school_year or f"{y - 1}-{y}",
        visits_from=date(visits_year, 1, 1),
        visits_to=date(visits_year, 12, 31),
    )
    session.add(row)
    await _flush(session, f"budget year {y} already exists")
    return row


async def get_prestation(session: AsyncSession, year: int, code: str) -> Prestation:
    found = await repository.prestation(session, year, code)
    if found is None:
        raise NotFound(
            f"prestation {code} not found in {year}",
            fr=f"prestation {code} introuvable dans l'exercice {year}",
        )
    return found


async def create_prestation(
    *, session: AsyncSession, year: int, data: PrestationCreate
) -> Prestation:
    await get_year(session, year)
    if await repository.prestation(session, year, data.code) is not None:
        raise Conflict(
            f"prestation {data.code} already exists in {year}",
            fr=f"la prestation {data.code} existe déjà dans l'exercice {year}",
        )
    row = Prestation(
        year=year,
        **data.model_dump(exclude={"colleges"}),
        colleges=[str(c) for c in data.colleges],
    )
    session.add(row)
    await _flush(session, f"prestation {data.code} already exists in {year}")
    return row


async def update_prestation(
    *, session: AsyncSession, prestation: Prestation, data: PrestationUpdate
) -> Prestation:
    for name in data.model_fields_set:
        value = getattr(data, name)
        if value is None:
            continue
        setattr(prestation, name, [str(c) for c in value] if name == "colleges" else value)
    prestation.updated_at = utcnow()
    session.add(prestation)
    await session.flush()
    return prestation


async def put_in_kind(*, session: AsyncSession, year: int, member: str, data: InKindPut) -> InKind:
    await get_year(session, year)
    row = await repository.in_kind(session, year, member)
    if row is None:
        row = InKind(year=year, member=member, **data.model_dump())
    else:
        row.amount_cents, row.description = data.amount_cents, data.description
        row.updated_at = utcnow()
    session.add(row)
    await _flush(session, f"in-kind contribution of {member} for {year} changed concurrently")
    return row


async def _flush(session: AsyncSession, conflict: str) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(conflict) from exc
