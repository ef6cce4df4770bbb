"""Ingestion: prepare (validate, pseudonymise) outside any transaction, then store and commit
before answering; the rollup follows (at once when `rollup_inline`, else in the background)."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gipkit.auth import Principal
from gipkit.db import Database
from measure.common.clock import utcnow
from measure.common.directory import Directory
from measure.common.writers import Writers
from measure.hits.partitions import Partitions
from measure.hits.prepare import Limits, PreparedHit, prepare
from measure.hits.schemas import IngestResult
from measure.hits.store import Stored, store
from measure.rollup.job import catch_up
from measure.settings import Settings


def retention_start(now: datetime, months: int) -> datetime:
    """`months` calendar months before `now` (the day clamped to the month's length)."""
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return now.replace(year=year, month=month + 1, day=min(now.day, last_day))


def limits(settings: Settings, now: datetime) -> Limits:
    return Limits(
        secret=settings.pseudonym_secret.get_secret_value().encode(),
        now=now,
        max_future=timedelta(seconds=settings.max_future_seconds),
        oldest=retention_start(now, settings.retention_months),
    )


@dataclass
class Ingestion:
    """What a request needs to store hits (kept on `app.state.ingestion`)."""

    db: Database
    writers: Writers
    partitions: Partitions
    directory: Directory
    settings: Settings
    nudge: Any  # wakes the rollup worker: Callable[[], None]

    async def store(self, hits: list[PreparedHit], *, now: datetime) -> Stored:
        if not hits:
            return Stored()
        await self.partitions.ensure(self.db, {h.ts for h in hits})
        async with self.writers.turn(), self.db.write_session() as session:
            outcome = await store(session, hits, now=now)
            await session.commit()
        if not outcome.accepted:
            return outcome
        if self.settings.rollup_inline:
            await catch_up(self.db, batch=self.settings.rollup_batch_marks, writers=self.writers)
        else:
            self.nudge()
        return outcome


async def ingest(
    *, items: Sequence[Any], principal: Principal, ingestion: Ingestion
) -> IngestResult:
    now = utcnow()
    prepared = await prepare(
        items,
        directory=ingestion.directory,
        principal=principal,
        limits=limits(ingestion.settings, now),
    )
    outcome = await ingestion.store(prepared.hits, now=now)
    return IngestResult(
        accepted=outcome.accepted,
        duplicates=outcome.duplicates,
        conflicts=outcome.conflicts,
        unknown_services=outcome.unknown_services,
        errors=sorted(prepared.errors, key=lambda e: e.index),
    )


def status_of(result: IngestResult, total: int) -> int:
    """200 all taken (new or duplicates), 207 some refused, 422 none taken."""
    refused = len({e.index for e in result.errors}) + result.conflicts
    if refused == 0:
        return 200
    return 422 if refused >= total else 207
