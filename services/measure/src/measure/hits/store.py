"""Storing prepared hits: the idempotency ledger decides what is new, new hits go to the raw
table (COPY on PostgreSQL), and the rollup is recomputed for the visitors they touch — all in
the caller's transaction, so the answer is sent only once everything is durable."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from measure.common.clock import paris_day
from measure.common.dbdialect import (
    bulk_insert,
    chunks,
    insert_ignoring_conflicts,
    is_postgres,
)
from measure.hits import partitions
from measure.hits.prepare import PreparedHit
from measure.models import Hit, HitConflict, HitKey
from measure.rollup.service import refresh

# Rows per multi-VALUES statement: well under SQLite's 32,766 bound parameters.
LEDGER_CHUNK = 2000

HIT_COLUMNS = [c.name for c in Hit.__table__.columns]  # type: ignore[attr-defined]


@dataclass
class Stored:
    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0
    unknown_services: int = 0


async def lock_sites(session: AsyncSession, sites: Sequence[str]) -> None:
    """One writer per project at a time (across processes on PostgreSQL), so that the rollup of
    a visitor is always recomputed from every committed hit. Sorted: no deadlock."""
    if not is_postgres(session):
        return  # SQLite has one writer; the router serialises its own requests
    for site in sorted(set(sites)):
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": f"measure:{site}"}
        )


async def _conflict(session: AsyncSession, hit: PreparedHit, now: datetime) -> None:
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


async def _new_keys(session: AsyncSession, hits: list[PreparedHit]) -> set[tuple[str, str]]:
    """Ledger rows inserted now: the (site, event_id) that were never seen. One cached
    statement run over many rows (SQLAlchemy batches them into multi-row INSERTs)."""
    table = HitKey.__table__  # type: ignore[attr-defined]
    statement = insert_ignoring_conflicts(session, table).returning(table.c.site, table.c.event_id)
    rows = [
        {"site": h.site, "event_id": h.event_id, "fingerprint": h.fingerprint, "ts": h.ts}
        for h in hits
    ]
    inserted: set[tuple[str, str]] = set()
    for part in chunks(rows, LEDGER_CHUNK):
        result = await session.execute(statement, part)
        inserted.update((r.site, r.event_id) for r in result)
    return inserted


async def _known_fingerprints(
    session: AsyncSession, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for part in chunks(keys, 500):
        rows = await session.execute(
            select(HitKey.site, HitKey.event_id, HitKey.fingerprint).where(
                or_(*(and_(HitKey.site == s, HitKey.event_id == e) for s, e in part))
                if not is_postgres(session)
                else tuple_(HitKey.site, HitKey.event_id).in_(part)
            )
        )
        found.update({(r.site, r.event_id): r.fingerprint for r in rows})
    return found


async def _insert_hits(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    if rows and is_postgres(session):
        await partitions.ensure(session, {r["ts"] for r in rows})  # type: ignore[misc]
    await bulk_insert(session, Hit.__table__, rows)  # type: ignore[attr-defined]


async def store(session: AsyncSession, hits: list[PreparedHit], *, now: datetime) -> Stored:
    outcome = Stored()
    await lock_sites(session, [h.site for h in hits])
    # Replays inside the request itself: the first occurrence is the one considered.
    first: dict[tuple[str, str], PreparedHit] = {}
    for hit in hits:
        key = (hit.site, hit.event_id)
        if key not in first:
            first[key] = hit
        elif first[key].fingerprint == hit.fingerprint:
            outcome.duplicates += 1
        else:
            outcome.conflicts += 1
            await _conflict(session, hit, now)
    candidates = list(first.values())
    new = await _new_keys(session, candidates)
    replayed = [h for h in candidates if (h.site, h.event_id) not in new]
    known = await _known_fingerprints(session, [(h.site, h.event_id) for h in replayed])
    for hit in replayed:
        if known.get((hit.site, hit.event_id)) == hit.fingerprint:
            outcome.duplicates += 1
        else:
            outcome.conflicts += 1
            await _conflict(session, hit, now)
    accepted = [h for h in candidates if (h.site, h.event_id) in new]
    await _insert_hits(session, [h.row(now) for h in accepted])
    outcome.accepted = len(accepted)
    outcome.unknown_services = sum(1 for h in accepted if not h.known_service)
    touched: dict[str, dict[str, set[date]]] = defaultdict(lambda: defaultdict(set))
    for hit in accepted:
        touched[hit.site][hit.visitor].add(paris_day(hit.ts))
    for site, visitors in touched.items():
        await refresh(session, site=site, visitors=visitors)
    return outcome
