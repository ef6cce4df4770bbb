"""Reading the rollup: visits and page views are sums of `day_totals`; unique visitors are
counted in `visitor_presence` (a visitor with a `1` inside the range), per project and school
year — pseudonyms are per project and school year, so those counts add up exactly."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Text, case, cast, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from measure.models import DayTotal as T
from measure.models import VisitorPresence as P
from measure.rollup.presence import place, school_year


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
Found = dict[tuple[str, str], list[int]]


def _key(by: str, buckets: Buckets) -> Any:
    if by == "value":
        return T.value
    if by == "day":
        return T.day
    if by == "bucket":
        return case(
            *((col(T.day).between(a, b), literal(k)) for k, a, b in buckets), else_=literal("")
        )
    return literal("")


@dataclass(frozen=True)
class Query:
    sites: Sequence[str] | None  # None: every project
    uai: str
    dim: str
    start: date
    end: date
    by: str
    buckets: Buckets


async def _sums(session: AsyncSession, q: Query) -> Found:
    """[visits, page views, visitors summed over days] per (site, key)."""
    key = _key(q.by, q.buckets).label("key")
    statement = (
        select(
            col(T.site),
            key,
            func.sum(T.visits).label("visits"),
            func.sum(T.page_views).label("page_views"),
            func.sum(T.visitors).label("visitors"),
        )
        .where(
            col(T.uai) == q.uai,
            col(T.dim) == q.dim,
            col(T.day) >= q.start,
            col(T.day) <= q.end,
        )
        # By the output column's name: bound literals in a repeated CASE would not match.
        .group_by(T.site, *(() if q.by == "total" else (text("key"),)))
    )
    if q.sites is not None:
        statement = statement.where(col(T.site).in_(list(q.sites)))
    found: Found = {}
    for row in await session.execute(statement):
        k = row.key.isoformat() if isinstance(row.key, date) else str(row.key)
        found[(row.site, k)] = [int(row.visits or 0), int(row.page_views or 0), int(row.visitors)]
    return found


def _school_years(start: date, end: date) -> list[tuple[int, date, date]]:
    """(school year, first day, last day) of each school year the range touches, cut to it."""
    out = []
    for year in range(school_year(start), school_year(end) + 1):
        first, last = max(start, date(year, 9, 1)), min(end, date(year + 1, 8, 31))
        if first <= last:
            out.append((year, first, last))
    return out


def _seen(first: date, last: date) -> Any:
    """A visitor's string has a `1` between these days (of one school year)."""
    days = cast(P.days, Text)  # bits on PostgreSQL: as text, the same test runs everywhere
    return func.substr(days, place(first) + 1, (last - first).days + 1).like("%1%")


async def _uniques(session: AsyncSession, q: Query) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = defaultdict(int)
    for year, first, last in _school_years(q.start, q.end):
        where = [col(P.school_year) == year, col(P.uai) == q.uai, col(P.dim) == q.dim]
        if q.sites is not None:
            where.append(col(P.site).in_(list(q.sites)))
        if q.by == "bucket":
            parts = [
                (k, max(a, first), min(b, last))
                for k, a, b in q.buckets
                if a <= last and b >= first
            ]
            if not parts:
                continue
            counts = [
                func.sum(case((_seen(a, b), 1), else_=0)).label(f"b{i}")
                for i, (_, a, b) in enumerate(parts)
            ]
            rows = await session.execute(
                select(col(P.site), *counts).where(*where).group_by(P.site)
            )
            for row in rows:
                for i, (k, _, _) in enumerate(parts):
                    found[(row.site, k)] += int(getattr(row, f"b{i}") or 0)
            continue
        by_value = q.by == "value"
        key = (col(P.value) if by_value else literal("")).label("key")
        statement = (
            select(col(P.site), key, func.count().label("n"))
            .where(*where, _seen(first, last))
            .group_by(P.site, *((P.value,) if by_value else ()))
        )
        for row in await session.execute(statement):
            found[(row.site, str(row.key))] += int(row.n)
    return found


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
    query = Query(sites, uai, dim, start, end, by, tuple(buckets))
    sums = await _sums(session, query)
    if by == "day":  # a day's visitors are that day's uniques
        return {k: Counts(v, p, u) for k, (v, p, u) in sums.items()}
    if sites is None:
        # Every project: those with figures in the range are the ones with visitors in it (a
        # presence bit is a page view that day). Naming them lets the presence key's first
        # column serve, instead of a scan of every project's every visitor.
        query = replace(query, sites=sorted({site for site, _ in sums}))
    uniques = await _uniques(session, query) if query.sites else {}
    return {
        k: Counts(sums.get(k, [0, 0, 0])[0], sums.get(k, [0, 0, 0])[1], uniques.get(k, 0))
        for k in set(sums) | set(uniques)
    }
