"""Keeping the rollup exact when hits arrive, late or out of order.

For each visitor touched by new hits, the days to recompute start with the Paris days of
those hits, and widen until no visit crosses their edges: backwards while the first hit of the
window is within 30 minutes of the hit before it (a late hit may join a visit begun the day
before), forwards while the hit after the window is within 30 minutes of the last one in it
(a late hit may swallow the start of a visit of the next day). Inside such a window the
visits are complete, so the visitor's facts of those days are deleted and written again from
the raw hits by `method.facts` — the same function whatever the order hits came in. What the
deleted facts had added to `day_totals` and `visitor_presence` is taken away there, and what
the new ones add is added.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from measure.common.clock import day_start, paris_day
from measure.common.dbdialect import bulk_insert, chunks, is_postgres
from measure.common.method import VISIT_GAP, VisitorHit, facts
from measure.common.sql import fetch, text_array
from measure.models import Hit, VisitorDayFact
from measure.rollup import ledger, presence, totals

# Days read around the touched ones in the first, batched read; wider windows are read again
# visitor by visitor (rare: a visitor active every half hour across midnight).
MARGIN = timedelta(days=2)
VISITOR_CHUNK = 500

Window = tuple[date, date]  # first day, day after the last


def _hit(row: object) -> VisitorHit:
    return VisitorHit(
        ts=row.ts,  # type: ignore[attr-defined]
        uai=row.uai,  # type: ignore[attr-defined]
        profile=row.profile,  # type: ignore[attr-defined]
        service=row.service,  # type: ignore[attr-defined]
        device=row.device,  # type: ignore[attr-defined]
        os=row.os,  # type: ignore[attr-defined]
        inside=row.inside,  # type: ignore[attr-defined]
    )


# (visitor, day, uai, dim, value, visits, page_views): a visitor-day's share of one figure
Fact = tuple[str, date, str, str, str, int, int]
_COLUMNS = (
    col(Hit.visitor),
    col(Hit.ts),
    col(Hit.uai),
    col(Hit.profile),
    col(Hit.service),
    col(Hit.device),
    col(Hit.os),
    col(Hit.inside),
)


# PostgreSQL: the visitors as one array parameter of a prepared statement, rather than an
# `IN (…)` list SQLAlchemy compiles again for every chunk; rows straight from the driver.
_PG_READ = """
SELECT h.visitor, h.ts, h.uai, h.profile, h.service, h.device, h.os, h.inside
FROM hits AS h
JOIN unnest(%(visitor)s::text::varchar[]) AS r(visitor) ON h.visitor = r.visitor
WHERE h.site = %(site)s AND h.ts >= %(start)s AND h.ts < %(end)s
ORDER BY h.visitor, h.ts
"""


async def _read(
    session: AsyncSession, site: str, visitors: list[str], start: datetime, end: datetime
) -> dict[str, list[VisitorHit]]:
    found: dict[str, list[VisitorHit]] = defaultdict(list)
    if is_postgres(session):
        params = {"site": site, "visitor": text_array(visitors), "start": start, "end": end}
        for visitor, *columns in await fetch(session, _PG_READ, params):
            found[visitor].append(VisitorHit(*columns))
        return found
    for part in chunks(visitors, VISITOR_CHUNK):
        rows = await session.execute(
            select(*_COLUMNS)
            .where(
                col(Hit.site) == site,
                col(Hit.visitor).in_(part),
                col(Hit.ts) >= start,
                col(Hit.ts) < end,
            )
            .order_by(col(Hit.visitor), col(Hit.ts))
        )
        for row in rows:
            found[row.visitor].append(_hit(row))
    return found


_PG_FORGET = """
DELETE FROM visitor_day_facts AS f
USING unnest(%(visitor)s::text::varchar[]) AS r(visitor)
WHERE f.site = %(site)s AND f.visitor = r.visitor AND f.day >= %(start)s AND f.day < %(end)s
RETURNING f.visitor, f.day, f.facts
"""


async def _forget(
    session: AsyncSession, site: str, visitors: list[str], start: date, end: date
) -> list[tuple[str, date, str]]:
    """Delete the visitors' facts of days [start, end); the deleted (visitor, day, facts)."""
    if is_postgres(session):
        params = {"site": site, "visitor": text_array(visitors), "start": start, "end": end}
        return [tuple(row) for row in await fetch(session, _PG_FORGET, params)]
    table = VisitorDayFact.__table__  # type: ignore[attr-defined]
    found: list[tuple[str, date, str]] = []
    for part in chunks(visitors, VISITOR_CHUNK):
        deleted = await session.execute(
            delete(table)
            .where(
                table.c.site == site,
                table.c.visitor.in_(part),
                table.c.day >= start,
                table.c.day < end,
            )
            .returning(table.c.visitor, table.c.day, table.c.facts)
        )
        found.extend(tuple(row) for row in deleted)
    return found


def widen(
    hits: list[VisitorHit], first: date, last: date, lo: datetime, hi: datetime
) -> Window | None:
    """The clean window around days first..last, from `hits` (sorted, read over [lo, hi));
    None when it may reach beyond what was read."""
    start, end = first, last + timedelta(days=1)
    while True:
        edge = day_start(start)
        before = [h for h in hits if h.ts < edge]
        after = next((h for h in hits if h.ts >= edge), None)
        if edge - VISIT_GAP < lo:
            return None
        if before and after and after.ts - before[-1].ts <= VISIT_GAP:
            start = paris_day(before[-1].ts)
            continue
        break
    while True:
        edge = day_start(end)
        inside = [h for h in hits if h.ts < edge]
        following = next((h for h in hits if h.ts >= edge), None)
        if edge + VISIT_GAP >= hi:
            return None
        if inside and following and following.ts - inside[-1].ts <= VISIT_GAP:
            end = paris_day(following.ts) + timedelta(days=1)
            continue
        break
    return start, end


async def refresh(session: AsyncSession, *, site: str, visitors: Mapping[str, set[date]]) -> None:
    """Recompute the facts of `visitors` (visitor → Paris days of their new hits)."""
    if not visitors:
        return
    first = min(min(d) for d in visitors.values())
    last = max(max(d) for d in visitors.values())
    lo, hi = day_start(first - MARGIN), day_start(last + MARGIN + timedelta(days=1))
    hits = await _read(session, site, list(visitors), lo, hi)
    windows: dict[Window, list[str]] = defaultdict(list)
    wide_hits: dict[str, list[VisitorHit]] = {}
    for visitor, touched in visitors.items():
        mine = hits.get(visitor, [])
        window = widen(mine, min(touched), max(touched), lo, hi)
        span = MARGIN
        while window is None:  # read this visitor over a wider range until the window is clean
            span *= 4
            w_lo, w_hi = day_start(min(touched) - span), day_start(max(touched) + span)
            mine = (await _read(session, site, [visitor], w_lo, w_hi)).get(visitor, [])
            window = widen(mine, min(touched), max(touched), w_lo, w_hi)
            wide_hits[visitor] = mine
        windows[window].append(visitor)
    table = VisitorDayFact.__table__  # type: ignore[attr-defined]
    before: list[Fact] = []
    for (start, end), members in windows.items():
        for visitor, day, text in await _forget(session, site, members, start, end):
            before.extend((visitor, day, *share) for share in ledger.decode(text))
    after: list[Fact] = []
    rows: list[dict[str, object]] = []
    for (start, end), members in windows.items():
        w_lo, w_hi = day_start(start), day_start(end)
        for visitor in members:
            mine = wide_hits.get(visitor) or hits.get(visitor, [])
            in_window = [h for h in mine if w_lo <= h.ts < w_hi]
            by_day: dict[date, list[ledger.Share]] = defaultdict(list)
            for (day, uai, dim, value), (n_visits, n_views) in facts(in_window).items():
                by_day[day].append((uai, dim, value, n_visits, n_views))
                after.append((visitor, day, uai, dim, value, n_visits, n_views))
            rows.extend(
                {"site": site, "visitor": visitor, "day": day, "facts": ledger.encode(shares)}
                for day, shares in by_day.items()
            )
    await bulk_insert(session, table, rows)
    await totals.apply(
        session, site=site, before=(f[1:] for f in before), after=(f[1:] for f in after)
    )
    await presence.apply(
        session,
        site=site,
        before=(f[:5] for f in before if f[6] > 0),
        after=(f[:5] for f in after if f[6] > 0),
    )
