"""Monthly partitions of `hits` on PostgreSQL, created as months are first written to.

Migration 0002 makes `hits` a range-partitioned table with a DEFAULT partition, so a row is
never refused for want of a partition; this creates the month's own partition before rows
arrive, so that purging a month and scanning a quarter touch only their partitions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession


def month_of(moment: datetime) -> date:
    utc = moment.astimezone(UTC)
    return date(utc.year, utc.month, 1)


def _next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def name_of(first: date) -> str:
    return f"hits_p{first.year:04d}_{first.month:02d}"


async def ensure(session: AsyncSession, moments: Iterable[datetime]) -> None:
    for first in sorted({month_of(m) for m in moments}):
        name = name_of(first)
        # Looked up each time rather than remembered: a creation rolled back with its
        # transaction must not be taken for a partition that exists.
        if (await session.execute(text("SELECT to_regclass(:n)"), {"n": name})).scalar():
            continue
        statement = text(
            f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF hits "
            f"FOR VALUES FROM ('{first.isoformat()} 00:00:00+00') "
            f"TO ('{_next_month(first).isoformat()} 00:00:00+00')"
        )
        try:
            async with session.begin_nested():
                await session.execute(statement)
        except DBAPIError:
            # A concurrent creator won, or rows of that month already sit in the default
            # partition: either way the rows have a home.
            continue
