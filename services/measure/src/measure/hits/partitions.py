"""Monthly partitions of `hits` on PostgreSQL, made before rows arrive and outside the
ingestion transaction.

Migration 0002 makes `hits` a range-partitioned table with a DEFAULT partition, so a row is
never refused for want of a partition. Making a month's own partition (so that purging a
month and scanning a quarter touch only their partitions) locks the whole table, so it is
done at startup for this month and the next, and otherwise in a short transaction of its own
the first time a process sees a month — never inside a batch's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gipkit.db import Database


def month_of(moment: datetime) -> date:
    utc = moment.astimezone(UTC)
    return date(utc.year, utc.month, 1)


def _next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def name_of(first: date) -> str:
    return f"hits_p{first.year:04d}_{first.month:02d}"


class Partitions:
    """The months this process knows to have their partition."""

    def __init__(self) -> None:
        self._known: set[date] = set()

    async def ensure(self, db: Database, moments: Iterable[datetime]) -> None:
        if db.engine.dialect.name != "postgresql":
            return
        missing = {month_of(m) for m in moments} - self._known
        if not missing:
            return
        async with db.sessionmaker() as session:
            for first in sorted(missing):
                name = name_of(first)
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
                    # A concurrent creator won, or rows of that month already sit in the
                    # default partition: either way the rows have a home.
                    continue
            await session.commit()
        self._known |= missing
