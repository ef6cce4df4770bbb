"""`visitor_presence`: a visitor's days with a page view, per establishment scope and
dimension value, as one string per school year — `1` at the day's place (1 September is 0).

Kept equal to "the visitor's facts of that day and value have a page view": the job clears the
places its old facts had set and sets those of the new ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from measure.common.dbdialect import bulk_insert, chunks, is_postgres
from measure.common.sql import fetch, int_array, text_array
from measure.models import VisitorPresence

DAYS = 366
EMPTY = b"0" * DAYS
ZERO, ONE = ord("0"), ord("1")
_TABLE = VisitorPresence.__table__  # type: ignore[attr-defined]

# (visitor, day, uai, dim, value) of a fact with a page view
Seen = tuple[str, date, str, str, str]


def school_year(day: date) -> int:
    """The school year's first calendar year (2025 for 2025–2026)."""
    return day.year if day.month >= 9 else day.year - 1


def place(day: date) -> int:
    return (day - date(school_year(day), 9, 1)).days


# Joined to the list rather than `= ANY(list)`: a prepared statement's generic plan may scan
# the table and test each row against the whole list.
_PG_READ = """
SELECT p.school_year, p.uai, p.dim, p.value, p.visitor, p.days::text
FROM visitor_presence AS p
JOIN unnest(%(visitor)s::text::varchar[]) AS r(visitor) ON p.visitor = r.visitor
WHERE p.site = %(site)s
"""
# Existing strings are updated in place: `days` is in no index, so with the table's free space
# (fillfactor, migration 0008) PostgreSQL makes these HOT updates — no index entry written, the
# old version pruned without waiting for VACUUM. (Deleting and copying rows in again left the
# table mostly dead tuples under a steady load: 31 M dead for 3 M live in a benchmark.)
_PG_UPDATE = """
UPDATE visitor_presence AS p SET days = r.days::bit(366)
FROM unnest(%(school_year)s::text::int[], %(uai)s::text::varchar[], %(dim)s::text::varchar[],
            %(value)s::text::varchar[], %(visitor)s::text::varchar[], %(days)s::text::text[])
    AS r(school_year, uai, dim, value, visitor, days)
WHERE p.site = %(site)s AND p.school_year = r.school_year AND p.uai = r.uai
  AND p.dim = r.dim AND p.value = r.value AND p.visitor = r.visitor
"""
_PG_ADD = """
INSERT INTO visitor_presence (site, school_year, uai, dim, value, visitor, days)
SELECT %(site)s, r.school_year, r.uai, r.dim, r.value, r.visitor, r.days::bit(366)
FROM unnest(%(school_year)s::text::int[], %(uai)s::text::varchar[], %(dim)s::text::varchar[],
            %(value)s::text::varchar[], %(visitor)s::text::varchar[], %(days)s::text::text[])
    AS r(school_year, uai, dim, value, visitor, days)
"""
_PG_DROP = """
DELETE FROM visitor_presence AS p
USING unnest(%(school_year)s::text::int[], %(uai)s::text::varchar[], %(dim)s::text::varchar[],
             %(value)s::text::varchar[], %(visitor)s::text::varchar[])
    AS r(school_year, uai, dim, value, visitor)
WHERE p.site = %(site)s AND p.school_year = r.school_year AND p.uai = r.uai
  AND p.dim = r.dim AND p.value = r.value AND p.visitor = r.visitor
"""

Key = tuple[int, str, str, str, str]  # school year, uai, dim, value, visitor


def _moved(
    strings: dict[Key, bytearray], before: Iterable[Seen], after: Iterable[Seen]
) -> set[Key]:
    """Clear what `before` set, set what `after` sets; the keys touched."""
    touched: set[Key] = set()
    places: dict[date, tuple[int, int]] = {}  # a batch's facts share a few days
    for seen, flag in ((before, ZERO), (after, ONE)):
        for visitor, day, uai, dim, value in seen:
            at = places.get(day)
            if at is None:
                at = places[day] = (school_year(day), place(day))
            key = (at[0], uai, dim, value, visitor)
            string = strings.get(key)
            if string is None:
                string = strings[key] = bytearray(EMPTY)
            string[at[1]] = flag
            touched.add(key)
    return touched


async def apply(
    session: AsyncSession, *, site: str, before: Iterable[Seen], after: Iterable[Seen]
) -> None:
    """Move the visitors' strings from what `before` set to what `after` sets."""
    before, after = list(before), list(after)
    visitors = sorted({s[0] for s in before} | {s[0] for s in after})
    if not visitors:
        return
    if is_postgres(session):
        await _apply_pg(session, site=site, visitors=visitors, before=before, after=after)
        return
    strings: dict[Key, bytearray] = {}
    for part in chunks(visitors, 500):
        rows = await session.execute(
            select(
                _TABLE.c.school_year,
                _TABLE.c.uai,
                _TABLE.c.dim,
                _TABLE.c.value,
                _TABLE.c.visitor,
                _TABLE.c.days,
            ).where(_TABLE.c.site == site, _TABLE.c.visitor.in_(part))
        )
        for year, uai, dim, value, visitor, days in rows:
            strings[(year, uai, dim, value, visitor)] = bytearray(days.encode())
    _moved(strings, before, after)
    for part in chunks(visitors, 500):
        await session.execute(
            delete(_TABLE).where(_TABLE.c.site == site, _TABLE.c.visitor.in_(part))
        )
    rows_out = [
        {
            "site": site,
            "school_year": year,
            "uai": uai,
            "dim": dim,
            "value": value,
            "visitor": visitor,
            "days": string.decode(),
        }
        for (year, uai, dim, value, visitor), string in strings.items()
        if b"1" in string
    ]
    await bulk_insert(session, _TABLE, rows_out)


def _key_columns(site: str, keys: list[Key]) -> dict[str, str]:
    return {
        "site": site,
        "school_year": int_array(k[0] for k in keys),
        "uai": text_array(k[1] for k in keys),
        "dim": text_array(k[2] for k in keys),
        "value": text_array(k[3] for k in keys),
        "visitor": text_array(k[4] for k in keys),
    }


async def _apply_pg(
    session: AsyncSession,
    *,
    site: str,
    visitors: list[str],
    before: list[Seen],
    after: list[Seen],
) -> None:
    """Only the strings that change are written (a visitor's new day touches a few of them):
    existing ones updated in place, new ones inserted, emptied ones deleted."""
    strings: dict[Key, bytearray] = {}
    original: dict[Key, bytes] = {}
    rows = await fetch(session, _PG_READ, {"site": site, "visitor": text_array(visitors)})
    for year, uai, dim, value, visitor, days in rows:
        key = (year, uai, dim, value, visitor)
        original[key] = stored = days.encode()
        strings[key] = bytearray(stored)
    updated: list[Key] = []
    emptied: list[Key] = []
    added: list[Key] = []
    for key in sorted(_moved(strings, before, after)):  # sorted: every writer in one order
        string, was = strings[key], original.get(key)
        if was is not None and string == was:  # `is not None`: the same test, for mypy
            continue
        seen = ONE in string
        if was is None:
            if seen:
                added.append(key)
        else:
            (updated if seen else emptied).append(key)
    if updated:
        await fetch(session, _PG_UPDATE, {**_key_columns(site, updated), **_days(strings, updated)})
    if emptied:
        await fetch(session, _PG_DROP, _key_columns(site, emptied))
    if added:
        await fetch(session, _PG_ADD, {**_key_columns(site, added), **_days(strings, added)})


def _days(strings: dict[Key, bytearray], keys: list[Key]) -> dict[str, str]:
    # '0' and '1' need no quoting in an array literal.
    return {"days": "{" + ",".join([strings[k].decode() for k in keys]) + "}"}
