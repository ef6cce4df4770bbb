"""Ingestion: prepare (validate, pseudonymise) outside any transaction, then store and commit
before answering; the rollup follows (at once when `rollup_inline`, else in the background)."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gipkit.auth import Principal
from gipkit.db import Database
from measure.common.clock import utcnow
from measure.common.directory import Directory
from measure.common.writers import Writers
from measure.hits.groupcommit import Arrival, GroupCommit
from measure.hits.partitions import Partitions
from measure.hits.prepare import Limits, PreparedHit, prepare
from measure.hits.schemas import IngestResult
from measure.hits.store import ACCEPTED, Stored, store
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
    """What a request needs to store hits, from `app.state` (tests change settings and
    directory there, so it is built per request)."""

    db: Database
    writers: Writers
    partitions: Partitions
    directory: Directory
    settings: Settings
    nudge: Callable[[], None]  # wakes the rollup worker
    group: GroupCommit | None

    @classmethod
    def from_state(cls, state: Any) -> Ingestion:
        return cls(
            db=state.db,
            writers=state.writers,
            partitions=state.partitions,
            directory=state.directory,
            settings=state.settings,
            nudge=state.rollup_nudge,
            group=getattr(state, "group_commit", None),
        )

    def arriving(self, count: int) -> AbstractContextManager[Arrival | None]:
        """Around the checks of a request of `count` hits: a small one is awaited by the
        next group commit (`GroupCommit.on_the_way`)."""
        if self.group is not None and count <= self.settings.group_commit_max_request_hits:
            return self.group.on_the_way()
        return nullcontext()

    async def store(
        self, hits: list[PreparedHit], *, now: datetime, arrival: Arrival | None = None
    ) -> Stored:
        if not hits:
            return Stored()
        small = len(hits) <= self.settings.group_commit_max_request_hits
        if self.group is not None and small:
            statuses = await self.group.submit(hits, now, arrival)
        else:
            statuses = await self.write(hits, now)
        return Stored.of(hits, statuses)

    async def write(self, hits: list[PreparedHit], now: datetime) -> list[str]:
        """One transaction for `hits`; each one's status once it has committed."""
        await self.partitions.ensure(self.db, {h.ts for h in hits})
        async with self.writers.turn(), self.db.write_session() as session:
            statuses = await store(session, hits, now=now)
            await session.commit()
        if ACCEPTED not in statuses:
            return statuses
        if self.settings.rollup_inline:
            await catch_up(self.db, batch=self.settings.rollup_batch_marks, writers=self.writers)
        else:
            self.nudge()
        return statuses


async def ingest(
    *, items: Sequence[Any], principal: Principal, ingestion: Ingestion
) -> IngestResult:
    now = utcnow()
    with ingestion.arriving(len(items)) as arrival:
        prepared = await prepare(
            items,
            directory=ingestion.directory,
            principal=principal,
            limits=limits(ingestion.settings, now),
        )
        outcome = await ingestion.store(prepared.hits, now=now, arrival=arrival)
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
