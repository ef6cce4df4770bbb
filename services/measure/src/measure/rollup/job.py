"""The rollup job: works off `rollup_marks`, a transaction per `batch` marks.

Run by every measure process in the background (`worker`), after each ingestion when
`rollup_inline` is set (tests, small deployments wanting read-your-writes), and by
`python -m measure rollup`. Several may run at once: marks are claimed with SKIP LOCKED
and a project's facts are rewritten under its advisory lock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from gipkit.db import Database
from measure.common.dbdialect import is_postgres
from measure.common.writers import Writers
from measure.rollup import marks
from measure.rollup.service import refresh


async def lock_sites(session: AsyncSession, sites: Sequence[str]) -> None:
    """One rewriter of a project's facts at a time, across processes. Sorted: no deadlock."""
    if not is_postgres(session):
        return  # SQLite: the transaction began IMMEDIATE, it is the only writer
    for site in sorted(set(sites)):
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": f"measure:{site}"}
        )


async def run_once(db: Database, *, batch: int) -> int:
    """Recompute the facts of the visitor-days of up to `batch` marks; the marks done."""
    async with db.write_session() as session:
        ids, claimed = await marks.claim(session, limit=batch)
        if not ids:
            await session.rollback()
            return 0
        by_site: dict[str, dict[str, set[date]]] = defaultdict(lambda: defaultdict(set))
        for site, visitor, day in claimed:
            by_site[site][visitor].add(day)
        await lock_sites(session, list(by_site))
        for site in sorted(by_site):
            await refresh(session, site=site, visitors=by_site[site])
        await marks.forget(session, ids)
        await session.commit()
    return len(ids)


async def catch_up(db: Database, *, batch: int, writers: Writers | None = None) -> int:
    """Run until no mark is left to claim; the number done. Each transaction takes its turn
    among the process's `writers`, so ingestion goes on between them."""
    writers = writers or Writers(serialise=False)
    done = 0
    while True:
        async with writers.turn():
            count = await run_once(db, batch=batch)
        if not count:
            return done
        done += count
