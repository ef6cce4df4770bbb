"""Time as method v1 reads it: stored in UTC, days and hours in Europe/Paris, school years
from 1 September to 31 August."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from gipkit.clock import PARIS, paris_day, year_before
from gipkit.types import utcnow

__all__ = [
    "PARIS",
    "day_start",
    "days",
    "paris",
    "paris_day",
    "school_year_of",
    "utcnow",
    "year_before",
]


def paris(moment: datetime) -> datetime:
    return moment.astimezone(PARIS)


def day_start(day: date) -> datetime:
    """The UTC instant a Paris day begins (23 or 25 hours long on DST days)."""
    return datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)


def school_year_of(day: date) -> str:
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}-{first + 1}"


def days(start: date, end: date) -> list[date]:
    """Every day from start to end, both included."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
