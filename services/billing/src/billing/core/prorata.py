"""Pro-rating by days: a subscription or a membership that covers part of a period."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta


def days_between(start: date, end: date) -> int:
    """Days from `start` to `end`, both included (0 when `end` is before `start`)."""
    return max(0, (end - start).days + 1)


def overlap_days(start: date | None, end: date | None, period_start: date, period_end: date) -> int:
    """Days of [start, end] (both included; None = open) inside [period_start, period_end]."""
    lo = max(start or period_start, period_start)
    hi = min(end or period_end, period_end)
    return days_between(lo, hi)


def union_days(
    ranges: Iterable[tuple[date | None, date | None]], period_start: date, period_end: date
) -> int:
    """Days of the period covered by at least one of the ranges (overlaps counted once): one
    member subscribing two of its projects to the same option pays for the days once."""
    clipped = sorted(
        (max(s or period_start, period_start), min(e or period_end, period_end)) for s, e in ranges
    )
    total = 0
    current: tuple[date, date] | None = None
    for lo, hi in clipped:
        if hi < lo:
            continue
        if current is None or lo > current[1] + timedelta(days=1):
            if current is not None:
                total += days_between(*current)
            current = (lo, hi)
        else:
            current = (current[0], max(current[1], hi))
    if current is not None:
        total += days_between(*current)
    return total
