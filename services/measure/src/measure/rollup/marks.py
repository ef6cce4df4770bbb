"""`rollup_marks`: the (site, visitor, Paris day) whose facts are out of date.

Append-only: each batch adds a row per visitor-day it touched, in its own transaction, and
never updates one — so a batch never waits for the job, nor the job for a batch. Why it is
safe (PostgreSQL, READ COMMITTED): the job claims rows `FOR UPDATE SKIP LOCKED`, then reads
the hits, rewrites the facts and deletes exactly the rows it claimed, in one transaction. A
batch's row is committed with its hits: if the job saw (and claimed) the row, its later read
sees the hits; if it did not, the row outlives the job and brings the visitor-day back.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from measure.common.dbdialect import chunks, is_postgres
from measure.common.sql import fetch, int_array
from measure.models import RollupMark

Mark = tuple[str, str, date]  # site, visitor, Paris day
Claimed = tuple[list[int], set[Mark]]  # the rows' ids, the visitor-days they stand for

_TABLE = RollupMark.__table__  # type: ignore[attr-defined]

_PG_CLAIM = """
SELECT id, site, visitor, day FROM rollup_marks
ORDER BY id
LIMIT %(limit)s
FOR UPDATE SKIP LOCKED
"""
# Joined to the list: a prepared statement's generic plan for `id = ANY(list)` may scan.
_PG_FORGET = """
DELETE FROM rollup_marks AS m
USING unnest(%(ids)s::text::bigint[]) AS r(id)
WHERE m.id = r.id
"""


async def mark(session: AsyncSession, keys: Collection[Mark], *, now: datetime) -> None:
    """(PostgreSQL writes its marks in the batch's own statement: measure.hits.store.)"""
    rows = [{"site": s, "visitor": v, "day": d, "marked_at": now} for s, v, d in sorted(keys)]
    for part in chunks(rows, 2000):
        await session.execute(insert(_TABLE), part)


async def claim(session: AsyncSession, *, limit: int) -> Claimed:
    """Up to `limit` rows, locked until the end of the transaction (others' skipped)."""
    if is_postgres(session):
        rows = await fetch(session, _PG_CLAIM, {"limit": limit})
    else:  # SQLite: one writer at a time, the transaction began IMMEDIATE
        rows = list(
            await session.execute(
                select(_TABLE.c.id, _TABLE.c.site, _TABLE.c.visitor, _TABLE.c.day)
                .order_by(_TABLE.c.id)
                .limit(limit)
            )
        )
    return [r[0] for r in rows], {(r[1], r[2], r[3]) for r in rows}


async def forget(session: AsyncSession, ids: Sequence[int]) -> None:
    if not ids:
        return
    if is_postgres(session):
        await fetch(session, _PG_FORGET, {"ids": int_array(ids)})
        return
    for part in chunks(list(ids), 500):
        await session.execute(delete(_TABLE).where(_TABLE.c.id.in_(part)))


async def oldest(session: AsyncSession, *, sites: Collection[str] | None) -> datetime | None:
    """When the oldest hit still waiting for the rollup arrived (of `sites`; None: all)."""
    statement = select(func.min(_TABLE.c.marked_at))
    if sites is not None:
        statement = statement.where(_TABLE.c.site.in_(list(sites)))
    return (await session.execute(statement)).scalar()


async def pending(session: AsyncSession) -> int:
    """Visitor-days waiting (each counted once, however many batches marked it)."""
    distinct = select(_TABLE.c.site, _TABLE.c.visitor, _TABLE.c.day).distinct().subquery()
    return int((await session.execute(select(func.count()).select_from(distinct))).scalar() or 0)
