"""Adding up `visitor_day_facts`: visits and page views are sums; unique visitors are distinct
pseudonyms with a page view, counted per project (pseudonyms are per project)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from measure.models import VisitorDayFact as F


@dataclass(frozen=True)
class Counts:
    visits: int = 0
    page_views: int = 0
    unique_visitors: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.visits + other.visits,
            self.page_views + other.page_views,
            self.unique_visitors + other.unique_visitors,
        )


# (key, first day, last day) of each week or month asked for.
Buckets = Sequence[tuple[str, date, date]]


async def aggregate(
    session: AsyncSession,
    *,
    sites: Sequence[str] | None,
    uai: str,
    dim: str,
    start: date,
    end: date,
    by: str,
    buckets: Buckets = (),
) -> dict[tuple[str, str], Counts]:
    """Counts per (site, key); `by` is `total`, `value` (the dimension's value), `day` or
    `bucket` (the weeks or months of `buckets`). `sites` None: every project."""
    key: Any
    if by == "value":
        key = F.value
    elif by == "day":
        key = F.day
    elif by == "bucket":
        key = case(*((F.day.between(a, b), literal(k)) for k, a, b in buckets), else_=literal(""))
    else:
        key = literal("")
    key = key.label("key")
    uniques = func.count(func.distinct(case((F.page_views > 0, F.visitor), else_=None)))
    statement = (
        select(
            F.site,
            key,
            func.sum(F.visits).label("visits"),
            func.sum(F.page_views).label("page_views"),
            uniques.label("uniques"),
        )
        .where(F.uai == uai, F.dim == dim, F.day >= start, F.day <= end)
        # By the output column's name: bound literals in a repeated CASE would not match.
        .group_by(F.site, *(() if by == "total" else (text("key"),)))
    )
    if sites is not None:
        statement = statement.where(F.site.in_(list(sites)))
    found: dict[tuple[str, str], Counts] = {}
    for row in await session.execute(statement):
        k = row.key.isoformat() if isinstance(row.key, date) else str(row.key)
        found[(row.site, k)] = Counts(
            int(row.visits or 0), int(row.page_views or 0), int(row.uniques)
        )
    return found
