"""Periods as readers name them: an ISO week `2026-W10`, a month `2026-03`, a quarter
`2026-Q1`, a school year `2025-2026` (1 September – 31 August); or days `from` and `to`.

Every combination the document allows gets an answer (the answer says the range it used):
`from`/`to` given with `period` replace its first/last day; without `period`, `from` defaults
to the start of the current school year and `to` to today (or `from`, if later); dates in
either order are swapped; a range is at most MAX_DAYS long, counted from `from`.
"""

from __future__ import annotations

from datetime import date, timedelta

from measure.common.clock import paris_day, utcnow

MAX_DAYS = 800  # two school years and a bit: enough for any comparison, bounded in cost
FIRST_YEAR, LAST_YEAR = 2000, 2099
_SCHOOL_YEARS = "|".join(f"{y}-{y + 1}" for y in range(FIRST_YEAR, LAST_YEAR))
# Week 53 exists only in some years: a week 53 is asked as days (`from`, `to`).
PERIOD_PATTERN = (
    r"^(20[0-9]{2}-W(0[1-9]|[1-4][0-9]|5[0-2])|20[0-9]{2}-(0[1-9]|1[0-2])|20[0-9]{2}-Q[1-4]"
    rf"|{_SCHOOL_YEARS})$"
)


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def parse_period(text: str) -> tuple[date, date]:
    """The days of a period matching PERIOD_PATTERN."""
    head, _, tail = text.partition("-")
    year = int(head)
    if tail.startswith("W"):
        monday = date.fromisocalendar(year, int(tail[1:]), 1)
        return monday, monday + timedelta(days=6)
    if tail.startswith("Q"):
        quarter = int(tail[1:])
        return date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter)
    if len(tail) == 4:
        return date(year, 9, 1), date(year + 1, 8, 31)
    return date(year, int(tail), 1), _month_end(year, int(tail))


def school_year_start(day: date) -> date:
    return date(day.year if day.month >= 9 else day.year - 1, 9, 1)


def resolve(
    period: str | None, start: date | None, end: date | None, *, today: date | None = None
) -> tuple[date, date]:
    today = today or paris_day(utcnow())
    if period is not None:
        first, last = parse_period(period)
        start, end = start or first, end or last
    start = start or school_year_start(today)
    end = end or max(start, today)
    if end < start:
        start, end = end, start
    bounds = (date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31))
    start, end = max(start, bounds[0]), min(end, bounds[1])
    end = min(end, start + timedelta(days=MAX_DAYS - 1))
    return start, max(start, end)
