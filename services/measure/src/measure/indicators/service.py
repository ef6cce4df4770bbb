"""Indicators of a scope over a period, by group, with last year's for comparison."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gipkit.auth import Principal
from gipkit.codes import LABELS
from measure.common.clock import days, paris_day, utcnow, year_before
from measure.common.directory import Directory
from measure.common.method import ALL, HOUR, METHOD_VERSION
from measure.indicators import repository
from measure.indicators.repository import Buckets, Counts
from measure.indicators.schemas import (
    Figures,
    Group,
    GroupBy,
    Indicators,
    PreviousPeriod,
    UniquesMethod,
)
from measure.indicators.scopes import Resolved, resolve
from measure.rollup import marks

TIME = (GroupBy.day, GroupBy.week, GroupBy.month)


def _figures(c: Counts) -> Figures:
    return Figures(visits=c.visits, unique_visitors=c.unique_visitors, page_views=c.page_views)


def buckets(group_by: GroupBy, start: date, end: date) -> Buckets:
    """The weeks or months of the period, each cut to the period."""
    found: dict[str, list[date]] = {}
    for day in days(start, end):
        if group_by is GroupBy.week:
            year, week, _ = day.isocalendar()
            key = f"{year:04d}-W{week:02d}"
        else:
            key = f"{day.year:04d}-{day.month:02d}"
        found.setdefault(key, []).append(day)
    return [(k, v[0], v[-1]) for k, v in found.items()]


def _sum(per_site: dict[tuple[str, str], Counts]) -> tuple[dict[str, Counts], set[str]]:
    totals: dict[str, Counts] = defaultdict(Counts)
    for (_site, key), counts in per_site.items():
        totals[key] = totals[key] + counts
    return totals, {site for site, _ in per_site}


async def _groups(
    session: AsyncSession,
    where: Resolved,
    group_by: GroupBy,
    start: date,
    end: date,
    keys: Iterable[tuple[str, date, date]] | None,
) -> tuple[dict[str, Counts], set[str]]:
    common: dict[str, Any] = {"sites": where.sites, "uai": where.uai, "start": start, "end": end}
    if group_by is GroupBy.day:
        return _sum(await repository.aggregate(session, dim=ALL, by="day", **common))
    if group_by in (GroupBy.week, GroupBy.month):
        return _sum(
            await repository.aggregate(
                session, dim=ALL, by="bucket", buckets=list(keys or ()), **common
            )
        )
    dim = HOUR if group_by is GroupBy.hour else group_by.value
    return _sum(await repository.aggregate(session, dim=dim, by="value", **common))


def _expected_keys(group_by: GroupBy, start: date, end: date) -> list[str]:
    if group_by is GroupBy.day:
        return [d.isoformat() for d in days(start, end)]
    if group_by in (GroupBy.week, GroupBy.month):
        return [k for k, _, _ in buckets(group_by, start, end)]
    if group_by is GroupBy.hour:
        return [f"{h:02d}" for h in range(24)]
    return []


async def indicators(
    *,
    session: AsyncSession,
    directory: Directory,
    principal: Principal,
    scope: str,
    start: date,
    end: date,
    group_by: GroupBy | None,
    compare: bool,
) -> Indicators:
    where = await resolve(scope, principal=principal, directory=directory)
    # Hits not rolled up yet are not counted: the cutoff is when the oldest of them came.
    now = utcnow()
    waiting = await marks.oldest(session, sites=where.sites)
    cutoff = min(now, waiting) if waiting is not None else now
    common: dict[str, Any] = {"sites": where.sites, "uai": where.uai, "dim": ALL, "by": "total"}
    totals, sites = _sum(await repository.aggregate(session, start=start, end=end, **common))
    previous: PreviousPeriod | None = None
    p_start, p_end = year_before(start), year_before(end)
    if compare:
        # A period still running is weighed against the days last year's had by this date, not
        # against the whole of it: a school year read in November against a full year before
        # would show a fall of two thirds. (Each group keeps its whole counterpart below.)
        today = paris_day(now)
        so_far = year_before(today) if start <= today < end else p_end
        p_totals, _ = _sum(await repository.aggregate(session, start=p_start, end=so_far, **common))
        previous = PreviousPeriod(
            date_from=p_start, date_to=so_far, totals=_figures(p_totals.get("", Counts()))
        )
    groups: list[Group] = []
    if group_by is not None:
        current_buckets = buckets(group_by, start, end) if group_by in TIME else None
        found, more_sites = await _groups(session, where, group_by, start, end, current_buckets)
        sites |= more_sites
        before: dict[str, Counts] = {}
        if compare:
            # Last year's figures keyed by the group of this period they compare with.
            if group_by is GroupBy.day:
                raw, _ = await _groups(session, where, group_by, p_start, p_end, None)
                by_day = {(year_before(d)).isoformat(): d.isoformat() for d in days(start, end)}
                before = {by_day[k]: v for k, v in raw.items() if k in by_day}
            elif current_buckets is not None:
                shifted = [(k, year_before(a), year_before(b)) for k, a, b in current_buckets]
                before, _ = await _groups(session, where, group_by, p_start, p_end, shifted)
            else:
                before, _ = await _groups(session, where, group_by, p_start, p_end, None)
        keys = _expected_keys(group_by, start, end)
        extra = sorted((set(found) | set(before)) - set(keys) - {""})
        labels: Mapping[str, str] = LABELS.get(group_by.value, {})
        for key in keys + extra:
            groups.append(
                Group(
                    key=key,
                    label=labels.get(key),
                    **_figures(found.get(key, Counts())).model_dump(),
                    previous=_figures(before.get(key, Counts())) if compare else None,
                )
            )
    # Uniques add up across projects only as a sum (a person has one pseudonym per project).
    exact = len(where.sites if where.sites is not None else sites) <= 1
    touches = group_by is not None and group_by not in (*TIME, GroupBy.hour)
    return Indicators(
        scope=scope,
        date_from=start,
        date_to=end,
        group_by=group_by,
        method_version=METHOD_VERSION,
        data_cutoff=cutoff,
        unique_visitors_method=UniquesMethod.exact if exact else UniquesMethod.sum_of_projects,
        breakdown_may_exceed_total=touches,
        projects=len(where.sites) if where.sites is not None else len(sites),
        totals=_figures(totals.get("", Counts())),
        groups=groups,
        previous=previous,
    )
