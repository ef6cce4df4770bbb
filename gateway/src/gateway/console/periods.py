"""Periods the console offers: a quarter (`2026-Q1`), a school year (`2025-2026`, 1 Sept –
31 Aug) or a custom range."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

# What the period field takes for "the dates below" (the French word, and the API's).
CUSTOM = frozenset({"personnalisée", "personnalisee", "custom"})
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # inclusive
    chosen: bool = False  # dates the user gave, not a named period


def current_school_year(today: date) -> str:
    first = today.year if today.month >= 9 else today.year - 1
    return f"{first}-{first + 1}"


def parse_period(
    value: str | None, *, today: date, start: str | None = None, end: str | None = None
) -> Period:
    """`value` as a quarter or school year; « personnalisée » (or `custom`) with `start`/`end`,
    as is a blank `value` with both dates; default: the current school year. Raises ValueError
    with a French message on bad input."""
    if (value or "").strip().lower() in CUSTOM or (not value and start and end):
        try:
            first, last = date.fromisoformat(start or ""), date.fromisoformat(end or "")
        except ValueError as exc:
            raise ValueError("Dates de début et de fin attendues (AAAA-MM-JJ).") from exc
        if last < first:
            raise ValueError("La date de fin précède la date de début.")
        return Period(f"du {first:%d/%m/%Y} au {last:%d/%m/%Y}", first, last, chosen=True)
    value = value or current_school_year(today)
    if m := _QUARTER.match(value):
        year, quarter = int(m.group(1)), int(m.group(2))
        first = date(year, 3 * quarter - 2, 1)
        following = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
        return Period(
            f"{quarter}{'er' if quarter == 1 else 'e'} trimestre {year}",
            first,
            following - timedelta(days=1),
        )
    if (m := _SCHOOL_YEAR.match(value)) and int(m.group(2)) == int(m.group(1)) + 1:
        year = int(m.group(1))
        return Period(f"année scolaire {value}", date(year, 9, 1), date(year + 1, 8, 31))
    raise ValueError(
        "Période inconnue : un trimestre (2026-Q1), une année scolaire (2025-2026) ou des dates."
    )


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def recent_quarters(today: date, count: int = 8) -> list[tuple[str, str]]:
    """The quarter in progress and the `count - 1` before it, newest first, as (value, label)."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    found = []
    for _ in range(count):
        value = f"{year}-Q{quarter}"
        found.append((value, parse_period(value, today=today).label))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return found
