"""Periods of notes (quarter, school year, custom range) and weeks of open data.

School year = 1 September – 31 August, named `2025-2026`; quarters are calendar quarters,
named `2026-Q1`; weeks are ISO weeks (Monday to Sunday), named `2026-W10`. Custom ranges
follow measure's rule: either order, brought into [2000-01-01, today + 366 days], so that a
well-formed request is never refused for its dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

FIRST_YEAR, LAST_YEAR = 2000, 2099
EARLIEST = date(FIRST_YEAR, 1, 1)
HORIZON = timedelta(days=366)

QUARTER_PATTERN = r"^20[0-9]{2}-Q[1-4]$"
# Enumerated, so that the document's pattern accepts exactly the names that exist.
SCHOOL_YEAR_PATTERN = "^(?:" + "|".join(f"{y}-{y + 1}" for y in range(FIRST_YEAR, LAST_YEAR)) + ")$"
NAMED_PERIOD_PATTERN = (
    "^(?:20[0-9]{2}-Q[1-4]|" + "|".join(f"{y}-{y + 1}" for y in range(FIRST_YEAR, LAST_YEAR)) + ")$"
)
# Any label a note can carry (filters): named periods and custom `YYYY-MM-DD/YYYY-MM-DD`.
_DAY = r"20[0-9]{2}-[0-9]{2}-[0-9]{2}"
PERIOD_LABEL_PATTERN = rf"^(?:20[0-9]{{2}}-Q[1-4]|20[0-9]{{2}}-20[0-9]{{2}}|{_DAY}/{_DAY})$"
WEEK_PATTERN = r"^20[0-9]{2}-W(?:0[1-9]|[1-4][0-9]|5[0-3])$"

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class PeriodKind(StrEnum):
    quarter = "quarter"
    school_year = "school_year"
    custom = "custom"


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    label: str
    start: date
    end: date  # inclusive

    @property
    def previous_year(self) -> tuple[date, date]:
        """The same period one year earlier (29 February becomes the 28th)."""
        return shift_year(self.start, -1), shift_year(self.end, -1)


def shift_year(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def quarter(year: int, number: int) -> Period:
    first_month = 3 * (number - 1) + 1
    start = date(year, first_month, 1)
    end = (date(year + 1, 1, 1) if number == 4 else date(year, first_month + 3, 1)) - timedelta(1)
    return Period(PeriodKind.quarter, f"{year}-Q{number}", start, end)


def quarter_of(day: date) -> Period:
    return quarter(day.year, (day.month - 1) // 3 + 1)


def previous_quarter(day: date) -> Period:
    """The last quarter that ended before `day`."""
    return quarter_of(quarter_of(day).start - timedelta(days=1))


def school_year(first_year: int) -> Period:
    return Period(
        PeriodKind.school_year,
        f"{first_year}-{first_year + 1}",
        date(first_year, 9, 1),
        date(first_year + 1, 8, 31),
    )


def school_year_start(day: date) -> date:
    return date(day.year if day.month >= 9 else day.year - 1, 9, 1)


def parse_named(text: str) -> Period:
    """`2026-Q1` or `2025-2026`; ValueError otherwise."""
    if m := _QUARTER.match(text):
        year = int(m.group(1))
        if FIRST_YEAR <= year <= LAST_YEAR:
            return quarter(year, int(m.group(2)))
    if m := _SCHOOL_YEAR.match(text):
        first, second = int(m.group(1)), int(m.group(2))
        if second == first + 1 and FIRST_YEAR <= first < LAST_YEAR:
            return school_year(first)
    raise ValueError(f"not a quarter (2026-Q1) nor a school year (2025-2026): {text!r}")


def custom(first: date, last: date, *, today: date) -> Period:
    """The days from the earlier to the later date, brought into the range hits can exist."""
    latest = today + HORIZON
    low, high = min(first, last), max(first, last)
    low = min(max(low, EARLIEST), latest)
    high = min(max(high, EARLIEST), latest)
    return Period(PeriodKind.custom, f"{low.isoformat()}/{high.isoformat()}", low, high)


# --- weeks (open data) -----------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    start: date  # a Monday

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def label(self) -> str:
        year, number, _ = self.start.isocalendar()
        return f"{year}-W{number:02d}"


def week_of(day: date) -> Week:
    return Week(day - timedelta(days=day.weekday()))


def parse_week(text: str) -> Week:
    """`2026-W10`, or any day of the week as `2026-03-04`; ValueError otherwise."""
    if m := _WEEK.match(text):
        year, number = int(m.group(1)), int(m.group(2))
        return Week(date.fromisocalendar(year, number, 1))
    return week_of(date.fromisoformat(text))


def last_closed_week(today: date) -> Week:
    """The latest week whose Sunday is before `today`."""
    return week_of(today - timedelta(days=today.weekday() + 1))
