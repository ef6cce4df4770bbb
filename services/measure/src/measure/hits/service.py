"""Ingestion: prepare (validate, pseudonymise) outside any transaction, then store under the
writers' lock and commit before answering."""

from __future__ import annotations

import asyncio
import calendar
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from gipkit.auth import Principal
from gipkit.db import Database
from measure.common.clock import utcnow
from measure.common.directory import Directory
from measure.hits.prepare import Limits, PreparedHit, prepare
from measure.hits.schemas import IngestResult
from measure.hits.store import store
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


async def store_prepared(
    *, db: Database, lock: asyncio.Lock, hits: list[PreparedHit], now: datetime
) -> tuple[int, int, int, int]:
    if not hits:
        return 0, 0, 0, 0
    # One writer per process (SQLite allows one; on PostgreSQL, advisory locks per project
    # serialise processes too): a visitor's rollup is recomputed from every committed hit.
    async with lock, db.sessionmaker() as session:
        outcome = await store(session, hits, now=now)
        await session.commit()
    return outcome.accepted, outcome.duplicates, outcome.conflicts, outcome.unknown_services


async def ingest(
    *,
    items: Sequence[Any],
    principal: Principal,
    directory: Directory,
    settings: Settings,
    db: Database,
    lock: asyncio.Lock,
) -> IngestResult:
    now = utcnow()
    prepared = await prepare(
        items, directory=directory, principal=principal, limits=limits(settings, now)
    )
    accepted, duplicates, conflicts, unknown = await store_prepared(
        db=db, lock=lock, hits=prepared.hits, now=now
    )
    return IngestResult(
        accepted=accepted,
        duplicates=duplicates,
        conflicts=conflicts,
        unknown_services=unknown,
        errors=sorted(prepared.errors, key=lambda e: e.index),
    )


def status_of(result: IngestResult, total: int) -> int:
    """200 all taken (new or duplicates), 207 some refused, 422 none taken."""
    refused = len({e.index for e in result.errors}) + result.conflicts
    if refused == 0:
        return 200
    return 422 if refused >= total else 207
