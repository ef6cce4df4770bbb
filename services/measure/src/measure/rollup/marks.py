"""`rollup_marks`: the (site, visitor, Paris day) whose facts are out of date.

Why marking is safe against a job working at the same time (PostgreSQL, READ COMMITTED):
the job claims marks `FOR UPDATE SKIP LOCKED`, reads the hits, rewrites the facts and deletes
the marks in one transaction. Marking is an upsert that updates an existing mark, so it
waits for a job holding that mark and, once the job has deleted it, inserts it anew: hits the
job could not see always leave a mark behind them. A mark keeps its oldest `marked_at`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from measure.common.dbdialect import chunks, is_postgres
from measure.common.sql import fetch, text_array
from measure.models import RollupMark

Mark = tuple[str, str, date]  # site, visitor, Paris day

_TABLE = RollupMark.__table__  # type: ignore[attr-defined]

_PG_MARK = """
INSERT INTO rollup_marks (site, visitor, day, marked_at)
SELECT r.site, r.visitor, r.day, %(now)s
FROM unnest(%(site)s::text::varchar[], %(visitor)s::text::varchar[], %(day)s::text::date[])
    AS r(site, visitor, day)
ON CONFLICT (site, visitor, day)
DO UPDATE SET marked_at = LEAST(rollup_marks.marked_at, excluded.marked_at)
"""
_PG_CLAIM = """
SELECT site, visitor, day FROM rollup_marks
ORDER BY site, visitor, day
LIMIT %(limit)s
FOR UPDATE SKIP LOCKED
"""
_PG_FORGET = """
DELETE FROM rollup_marks AS m
USING unnest(%(site)s::text::varchar[], %(visitor)s::text::varchar[], %(day)s::text::date[])
    AS r(site, visitor, day)
WHERE m.site = r.site AND m.visitor = r.visitor AND m.day = r.day
"""


def _columns(keys: Sequence[Mark]) -> dict[str, str]:
    return {
        "site": text_array(k[0] for k in keys),
        "visitor": text_array(k[1] for k in keys),
        "day": text_array(k[2].isoformat() for k in keys),
    }


async def mark(session: AsyncSession, keys: Collection[Mark], *, now: datetime) -> None:
    if not keys:
        return
    ordered = sorted(keys)  # the order every writer locks them in
    if is_postgres(session):
        await fetch(session, _PG_MARK, {**_columns(ordered), "now": now})
        return
    insert = sqlite.insert(_TABLE)
    upsert = insert.on_conflict_do_update(
        index_elements=["site", "visitor", "day"],
        set_={"marked_at": func.min(_TABLE.c.marked_at, insert.excluded.marked_at)},
    )
    rows = [{"site": s, "visitor": v, "day": d, "marked_at": now} for s, v, d in ordered]
    for part in chunks(rows, 2000):
        await session.execute(upsert, part)


async def claim(session: AsyncSession, *, limit: int) -> list[Mark]:
    """Up to `limit` marks, locked until the end of the transaction (others' skipped)."""
    if is_postgres(session):
        return [(s, v, d) for s, v, d in await fetch(session, _PG_CLAIM, {"limit": limit})]
    # SQLite: one writer at a time, the transaction began IMMEDIATE.
    rows = await session.execute(
        select(_TABLE.c.site, _TABLE.c.visitor, _TABLE.c.day)
        .order_by(_TABLE.c.site, _TABLE.c.visitor, _TABLE.c.day)
        .limit(limit)
    )
    return [(r.site, r.visitor, r.day) for r in rows]


async def forget(session: AsyncSession, keys: Sequence[Mark]) -> None:
    if not keys:
        return
    if is_postgres(session):
        await fetch(session, _PG_FORGET, _columns(keys))
        return
    for part in chunks(list(keys), 300):
        await session.execute(
            delete(_TABLE).where(
                or_(
                    *(
                        and_(_TABLE.c.site == s, _TABLE.c.visitor == v, _TABLE.c.day == d)
                        for s, v, d in part
                    )
                )
            )
        )


async def oldest(session: AsyncSession, *, sites: Collection[str] | None) -> datetime | None:
    """When the oldest hit still waiting for the rollup arrived (of `sites`; None: all)."""
    statement = select(func.min(_TABLE.c.marked_at))
    if sites is not None:
        statement = statement.where(_TABLE.c.site.in_(list(sites)))
    return (await session.execute(statement)).scalar()


async def pending(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(_TABLE))).scalar() or 0)
