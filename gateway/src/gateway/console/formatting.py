"""French formats for the console: numbers, euros from cents, dates in Europe/Paris."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

from gipkit.clock import PARIS
from gipkit.clock import today as today_paris

# Pages take today's date in Paris from here, with the formats (gipkit's, re-exported).
__all__ = [
    "FILTERS",
    "LOCALE",
    "PARIS",
    "day",
    "euros",
    "evolution",
    "moment",
    "number",
    "percent",
    "rate_bp",
    "today_paris",
]

LOCALE = "fr_FR"


def number(value: int | float | None) -> str:
    return "—" if value is None else format_decimal(value, locale=LOCALE)


def euros(cents: int | None) -> str:
    # Through Decimal, never a float: 10 cents stay exactly 0,10 €.
    if cents is None:
        return "—"
    return format_currency(Decimal(cents) / 100, "EUR", locale=LOCALE)


def percent(ratio: float | None) -> str:
    return "—" if ratio is None else format_percent(ratio, locale=LOCALE, format="#,##0.0\u202f%")


def evolution(ratio: float | None) -> str:
    """A change as a signed percentage: `+39,8 %`, `-62,4 %`."""
    if ratio is None:
        return "—"
    return format_percent(ratio, locale=LOCALE, format="+#,##0.0\u202f%;-#,##0.0\u202f%")


def rate_bp(value: int | None) -> str:
    """A rate in basis points (2000 = 20 %)."""
    if value is None:
        return "—"
    return format_percent(Decimal(value) / 10_000, locale=LOCALE, format="#,##0.##\u202f%")


def day(value: date | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return format_date(value, format="long", locale=LOCALE)


def moment(value: datetime | str | None) -> str:
    """A UTC timestamp shown in Paris time."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return format_datetime(value.astimezone(PARIS), format="d MMMM y HH:mm", locale=LOCALE)


FILTERS = {
    "number": number,
    "euros": euros,
    "percent": percent,
    "evolution": evolution,
    "rate_bp": rate_bp,
    "day": day,
    "moment": moment,
}
