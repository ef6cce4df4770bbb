"""`day_totals`: per project, establishment scope, dimension value and Paris day, the visits,
page views and visitors (with a page view). The job adds each visitor's new facts and takes
away the old ones; rows that come back to nothing are deleted (a value nobody touched is not
listed)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import and_, delete, or_
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from measure.common.dbdialect import chunks, is_postgres
from measure.common.sql import fetch, int_array, text_array
from measure.models import DayTotal

_TABLE = DayTotal.__table__  # type: ignore[attr-defined]

# (day, uai, dim, value, visits, page_views) of one visitor's fact
Fact = tuple[date, str, str, str, int, int]
Key = tuple[str, str, date, str]  # uai, dim, day, value

# The upsert tells which rows it brought back to nothing (rare: a late hit that re-cuts visits),
# so that the delete runs only then, on those keys — not a second pass over every key.
_PG_ADD = """
WITH added AS (
    INSERT INTO day_totals AS t (site, uai, dim, day, value, visits, page_views, visitors)
    SELECT %(site)s, r.uai, r.dim, r.day, r.value, r.visits, r.page_views, r.visitors
    FROM unnest(%(uai)s::text::varchar[], %(dim)s::text::varchar[], %(day)s::text::date[],
                %(value)s::text::varchar[], %(visits)s::text::int[],
                %(page_views)s::text::int[], %(visitors)s::text::int[])
        AS r(uai, dim, day, value, visits, page_views, visitors)
    ON CONFLICT (site, uai, dim, day, value) DO UPDATE SET
        visits = t.visits + excluded.visits,
        page_views = t.page_views + excluded.page_views,
        visitors = t.visitors + excluded.visitors
    RETURNING t.uai, t.dim, t.day, t.value, t.visits, t.page_views, t.visitors
)
SELECT uai, dim, day, value FROM added
WHERE visits = 0 AND page_views = 0 AND visitors = 0
"""
_PG_DROP_EMPTY = """
DELETE FROM day_totals AS t
USING unnest(%(uai)s::text::varchar[], %(dim)s::text::varchar[], %(day)s::text::date[],
             %(value)s::text::varchar[]) AS r(uai, dim, day, value)
WHERE t.site = %(site)s AND t.uai = r.uai AND t.dim = r.dim AND t.day = r.day
  AND t.value = r.value AND t.visits = 0 AND t.page_views = 0 AND t.visitors = 0
"""


def deltas(before: Iterable[Fact], after: Iterable[Fact]) -> dict[Key, list[int]]:
    found: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0])
    for facts, sign in ((before, -1), (after, 1)):
        for day, uai, dim, value, visits, page_views in facts:
            delta = found[(uai, dim, day, value)]
            delta[0] += sign * visits
            delta[1] += sign * page_views
            delta[2] += sign * (page_views > 0)
    return {k: v for k, v in found.items() if any(v)}


def _columns(site: str, keys: list[Key]) -> dict[str, str]:
    return {
        "site": site,
        "uai": text_array(k[0] for k in keys),
        "dim": text_array(k[1] for k in keys),
        "day": text_array(k[2].isoformat() for k in keys),
        "value": text_array(k[3] for k in keys),
    }


async def apply(
    session: AsyncSession, *, site: str, before: Iterable[Fact], after: Iterable[Fact]
) -> None:
    changes = deltas(before, after)
    if not changes:
        return
    keys = sorted(changes)
    if is_postgres(session):
        columns = _columns(site, keys)
        numbers = {
            name: int_array(changes[k][i] for k in keys)
            for i, name in enumerate(("visits", "page_views", "visitors"))
        }
        emptied = await fetch(session, _PG_ADD, {**columns, **numbers})
        if emptied:
            await fetch(session, _PG_DROP_EMPTY, _columns(site, [tuple(row) for row in emptied]))
        return
    insert = sqlite.insert(_TABLE)
    upsert = insert.on_conflict_do_update(
        index_elements=["site", "uai", "dim", "day", "value"],
        set_={
            "visits": _TABLE.c.visits + insert.excluded.visits,
            "page_views": _TABLE.c.page_views + insert.excluded.page_views,
            "visitors": _TABLE.c.visitors + insert.excluded.visitors,
        },
    )
    rows = [
        {
            "site": site,
            "uai": uai,
            "dim": dim,
            "day": day,
            "value": value,
            "visits": changes[(uai, dim, day, value)][0],
            "page_views": changes[(uai, dim, day, value)][1],
            "visitors": changes[(uai, dim, day, value)][2],
        }
        for uai, dim, day, value in keys
    ]
    for part in chunks(rows, 2000):
        await session.execute(upsert, part)
    for part in chunks(keys, 200):
        await session.execute(
            delete(_TABLE).where(
                _TABLE.c.site == site,
                _TABLE.c.visits == 0,
                _TABLE.c.page_views == 0,
                _TABLE.c.visitors == 0,
                or_(
                    *(
                        and_(
                            _TABLE.c.uai == u,
                            _TABLE.c.dim == m,
                            _TABLE.c.day == d,
                            _TABLE.c.value == v,
                        )
                        for u, m, d, v in part
                    )
                ),
            )
        )
