"""Retention: raw hits are kept `retention_months` (CNIL: 25 for audience measurement);
older hits, their ledger rows, conflicts set aside, the rollup of those days (facts, day
totals, and the days' places in the visitors' presence strings) and its marks of them go.
Facts of days still inside the window are untouched, so figures inside it stay right."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field
from sqlalchemy import Text, cast, delete, func, literal, update
from sqlalchemy.ext.asyncio import AsyncSession

from measure.common.clock import day_start, paris_day
from measure.models import (
    DayTotal,
    Hit,
    HitConflict,
    HitKey,
    RollupMark,
    VisitorDayFact,
    VisitorPresence,
)
from measure.rollup.presence import place, school_year


class PurgeReport(BaseModel):
    cutoff: datetime
    hits: int
    keys: int
    conflicts: int
    facts: int
    day_totals: int = 0
    presence: int = Field(0, description="visitors' presence strings deleted or cleared")
    marks: int = 0


async def purge(session: AsyncSession, *, oldest: datetime) -> PurgeReport:
    """Delete what is older than the Paris day of `oldest` (whole days, so that a day's
    figures are either all there or all gone)."""
    first_day = paris_day(oldest)
    cutoff = day_start(first_day)
    counts = {}
    for name, table, condition in (
        ("hits", Hit.__table__, Hit.__table__.c.ts < cutoff),  # type: ignore[attr-defined]
        ("keys", HitKey.__table__, HitKey.__table__.c.ts < cutoff),  # type: ignore[attr-defined]
        ("conflicts", HitConflict.__table__, HitConflict.__table__.c.ts < cutoff),  # type: ignore[attr-defined]
        ("facts", VisitorDayFact.__table__, VisitorDayFact.__table__.c.day < first_day),  # type: ignore[attr-defined]
        ("day_totals", DayTotal.__table__, DayTotal.__table__.c.day < first_day),  # type: ignore[attr-defined]
        ("marks", RollupMark.__table__, RollupMark.__table__.c.day < first_day),  # type: ignore[attr-defined]
    ):
        result = await session.execute(delete(table).where(condition))
        counts[name] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    counts["presence"] = await _purge_presence(session, first_day)
    return PurgeReport(cutoff=cutoff, **counts)


async def _purge_presence(session: AsyncSession, first_day: date) -> int:
    """Older school years go; in the current one, the places before `first_day` are set to
    0, and strings left with no day at all go."""
    table = VisitorPresence.__table__  # type: ignore[attr-defined]
    year, cleared = school_year(first_day), place(first_day)
    older = await session.execute(delete(table).where(table.c.school_year < year))
    count = int(older.rowcount or 0)  # type: ignore[attr-defined]
    if cleared:
        days = cast(table.c.days, Text)
        changed = await session.execute(
            update(table)
            .where(table.c.school_year == year, func.substr(days, 1, cleared).like("%1%"))
            .values(
                days=cast(
                    literal("0" * cleared).concat(func.substr(days, cleared + 1)),
                    table.c.days.type,
                )
            )
        )
        count += int(changed.rowcount or 0)  # type: ignore[attr-defined]
        await session.execute(delete(table).where(table.c.school_year == year, ~days.like("%1%")))
    return count
