"""Retention: raw hits are kept `retention_months` (CNIL: 25 for audience measurement);
older hits, their ledger rows, conflicts set aside, the visitor-day facts of those days and
the rollup's marks of them go.
Facts of days still inside the window are untouched, so figures inside it stay right."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from measure.common.clock import day_start, paris_day
from measure.models import Hit, HitConflict, HitKey, RollupMark, VisitorDayFact


class PurgeReport(BaseModel):
    cutoff: datetime
    hits: int
    keys: int
    conflicts: int
    facts: int
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
        ("marks", RollupMark.__table__, RollupMark.__table__.c.day < first_day),  # type: ignore[attr-defined]
    ):
        result = await session.execute(delete(table).where(condition))
        counts[name] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    return PurgeReport(cutoff=cutoff, **counts)
