"""Storing prepared hits, in the caller's transaction: the idempotency ledger decides what is
new, new hits go to the raw table, and their visitor-days are marked for the rollup job — on
PostgreSQL in one statement for the whole batch. The answer is sent after the commit, so
accepted hits are durable; the figures follow within the job's delay (`data_cutoff` says how
far they go).

No lock is taken on PostgreSQL: the ledger's unique key settles concurrent replays, and rows
are written in key order so that two batches never wait on each other in a cycle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, event, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gipkit.db import Database
from measure.common.dbdialect import (
    bulk_insert,
    chunks,
    copy_line,
    insert_ignoring_conflicts,
    is_postgres,
)
from measure.common.sql import fetch, pooled_connection, text_array
from measure.hits.prepare import PreparedHit
from measure.models import Hit, HitConflict, HitKey
from measure.rollup import marks

# Rows per multi-VALUES statement on SQLite: well under its 32,766 bound parameters.
LEDGER_CHUNK = 2000

HIT_COLUMNS = [c.name for c in Hit.__table__.columns]  # type: ignore[attr-defined]

# PostgreSQL: the batch is copied into a staging table, then one statement takes it: the
# ledger says which hits are new (RETURNING), those go to `hits`, their visitor-days to
# `rollup_marks`. COPY's text costs the API less to build and PostgreSQL less to read than a
# dozen array parameters. The staging table is per connection (TEMP: no WAL) and the statement
# consumes its rows (DELETE … RETURNING), so two batches of one transaction never meet.
# Rows arrive free of duplicate keys and in key order (store() sees to both), so every writer
# takes the ledger's rows in the same order. Semi-joins (EXISTS) rather than joins: PostgreSQL
# hashes the new keys instead of sorting both sides.
_PG_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS hit_batch (
    site text, event_id text, fingerprint text, ts timestamptz, uai text, visitor text,
    profile text, service text, page text, device text, os text, browser text, inside text,
    day date
) ON COMMIT DELETE ROWS
"""
_PG_COPY = (
    "COPY hit_batch (site, event_id, fingerprint, ts, uai, visitor, profile, service, page, "
    "device, os, browser, inside, day) FROM STDIN"
)
_PG_WRITE = """
WITH input AS (
    DELETE FROM hit_batch RETURNING *
),
new AS (
    INSERT INTO hit_keys (site, event_id, fingerprint, ts)
    SELECT site, event_id, fingerprint, ts FROM input
    ON CONFLICT DO NOTHING
    RETURNING site, event_id
),
stored AS (
    INSERT INTO hits (site, event_id, ts, uai, visitor, profile, service, page, device, os,
                      browser, inside, received_at)
    SELECT i.site, i.event_id, i.ts, i.uai, i.visitor, i.profile, i.service, i.page, i.device,
           i.os, i.browser, i.inside, %(now)s
    FROM input AS i
    WHERE EXISTS (SELECT 1 FROM new AS n WHERE n.site = i.site AND n.event_id = i.event_id)
    RETURNING 1
),
marked AS (
    INSERT INTO rollup_marks (site, visitor, day, marked_at)
    SELECT DISTINCT i.site, i.visitor, i.day, %(now)s::timestamptz
    FROM input AS i
    WHERE EXISTS (SELECT 1 FROM new AS n WHERE n.site = i.site AND n.event_id = i.event_id)
    RETURNING 1
)
SELECT site, event_id FROM new
"""
_PG_FINGERPRINTS = """
SELECT k.site, k.event_id, k.fingerprint FROM hit_keys AS k
JOIN unnest(%(site)s::text::varchar[], %(event_id)s::text::varchar[]) AS r(site, event_id)
  ON k.site = r.site AND k.event_id = r.event_id
"""


ACCEPTED, DUPLICATE, CONFLICT = "accepted", "duplicate", "conflict"


@dataclass
class Stored:
    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0
    unknown_services: int = 0

    @classmethod
    def of(cls, hits: list[PreparedHit], statuses: list[str]) -> Stored:
        """The counts of `hits` given each one's status."""
        return cls(
            accepted=statuses.count(ACCEPTED),
            duplicates=statuses.count(DUPLICATE),
            conflicts=statuses.count(CONFLICT),
            unknown_services=sum(
                1
                for h, s in zip(hits, statuses, strict=True)
                if s == ACCEPTED and not h.known_service
            ),
        )


def _conflict(session: AsyncSession, hit: PreparedHit, now: datetime) -> None:
    content = {k: v for k, v in hit.row(now).items() if k != "received_at"}
    content["ts"] = hit.ts.isoformat()
    session.add(
        HitConflict(
            site=hit.site,
            event_id=hit.event_id,
            ts=hit.ts,
            received_at=now,
            content=json.dumps(content, sort_keys=True),
        )
    )


def _pg_copy_text(hits: list[PreparedHit]) -> str:
    """`hits` as the rows of `hit_batch`, in COPY's text format."""
    return "".join(
        [
            copy_line(
                (
                    h.site,
                    h.event_id,
                    h.fingerprint,
                    h.ts_text,
                    h.uai,
                    h.visitor,
                    h.profile,
                    h.service,
                    h.page,
                    h.device,
                    h.os,
                    h.browser,
                    h.inside,
                    h.day.isoformat(),
                )
            )
            for h in hits
        ]
    )


# The pooled connection's info says its staging table was made when it connected.
_STAGED = "measure.hit_batch"


def _create_staging(dbapi_connection: Any, record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(_PG_STAGING)
    finally:
        cursor.close()
    dbapi_connection.commit()
    record.info[_STAGED] = True


def stage_on_connect(db: Database) -> None:
    """Every connection `db` opens on PostgreSQL makes its staging table at once, committed:
    a batch then goes without the `CREATE … IF NOT EXISTS` round trip. A connection opened
    otherwise (tests share one) makes it with its first batch, in that batch's transaction
    (so a rollback takes it away with the batch, and the next one makes it again). Like any
    temporary table, it wants the database's own sessions: no transaction-pooling proxy."""
    engine = db.engine.sync_engine
    if engine.dialect.name == "postgresql" and not event.contains(
        engine, "connect", _create_staging
    ):
        event.listen(engine, "connect", _create_staging)


async def _pg_write_new(
    session: AsyncSession, hits: list[PreparedHit], now: datetime
) -> list[tuple[Any, ...]]:
    pooled = await pooled_connection(session)
    async with pooled.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
        if not pooled.info.get(_STAGED):
            await cursor.execute(_PG_STAGING)
        async with cursor.copy(_PG_COPY) as copy:
            await copy.write(_pg_copy_text(hits))
        await cursor.execute(_PG_WRITE, {"now": now}, prepare=True)
        rows: list[tuple[Any, ...]] = await cursor.fetchall()
        return rows


async def _write_new(
    session: AsyncSession, hits: list[PreparedHit], now: datetime
) -> set[tuple[str, str]]:
    """Write the hits never seen (ledger, raw table, rollup marks); their keys."""
    if is_postgres(session):
        rows = await _pg_write_new(session, hits, now)
        return {(site, event_id) for site, event_id in rows}
    table = HitKey.__table__  # type: ignore[attr-defined]
    insert = insert_ignoring_conflicts(session, table).returning(table.c.site, table.c.event_id)
    rows_in = [
        {"site": h.site, "event_id": h.event_id, "fingerprint": h.fingerprint, "ts": h.ts}
        for h in hits
    ]
    new: set[tuple[str, str]] = set()
    for part in chunks(rows_in, LEDGER_CHUNK):
        new.update((r.site, r.event_id) for r in await session.execute(insert, part))
    accepted = [h for h in hits if (h.site, h.event_id) in new]
    await bulk_insert(session, Hit.__table__, [h.row(now) for h in accepted])  # type: ignore[attr-defined]
    await marks.mark(session, {(h.site, h.visitor, h.day) for h in accepted}, now=now)
    return new


async def _known_fingerprints(
    session: AsyncSession, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    if not keys:
        return {}
    if is_postgres(session):
        params = {
            "site": text_array(s for s, _ in keys),
            "event_id": text_array(e for _, e in keys),
        }
        rows = await fetch(session, _PG_FINGERPRINTS, params)
        return {(site, event_id): fingerprint for site, event_id, fingerprint in rows}
    found: dict[tuple[str, str], str] = {}
    site, event_id = col(HitKey.site), col(HitKey.event_id)
    for part in chunks(keys, 500):
        result = await session.execute(
            select(site, event_id, col(HitKey.fingerprint)).where(
                or_(*(and_(site == s, event_id == e) for s, e in part))
            )
        )
        found.update({(r.site, r.event_id): r.fingerprint for r in result})
    return found


async def store(session: AsyncSession, hits: list[PreparedHit], *, now: datetime) -> list[str]:
    """Each hit's status (ACCEPTED, DUPLICATE, CONFLICT), in the order of `hits`."""
    status = [""] * len(hits)
    # Replays inside the batch itself: the first occurrence is the one considered.
    first: dict[tuple[str, str], int] = {}
    for position, hit in enumerate(hits):
        key = (hit.site, hit.event_id)
        if key not in first:
            first[key] = position
        elif hits[first[key]].fingerprint == hit.fingerprint:
            status[position] = DUPLICATE
        else:
            status[position] = CONFLICT
            _conflict(session, hit, now)
    # In key order: concurrent batches lock ledger rows in the same order (no deadlock).
    keys = sorted(first)
    new = await _write_new(session, [hits[first[k]] for k in keys], now)
    replayed = [k for k in keys if k not in new]
    known = await _known_fingerprints(session, replayed)
    for key in replayed:
        position = first[key]
        if known.get(key) == hits[position].fingerprint:
            status[position] = DUPLICATE
        else:
            status[position] = CONFLICT
            _conflict(session, hits[position], now)
    for key in new:
        status[first[key]] = ACCEPTED
    return status
