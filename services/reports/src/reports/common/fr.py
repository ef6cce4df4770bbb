"""Numbers and dates as French readers expect them (fr-FR, Babel); times in Europe/Paris."""

from __future__ import annotations

from datetime import date, datetime

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from gipkit.clock import PARIS

LOCALE = "fr_FR"
SECRET_TEXT = "secret"
# The locale's own percent pattern ('#,##0\u00a0%' in French), with one decimal.
_PERCENT = Locale.parse(LOCALE).percent_formats[None].pattern
MISSING_TEXT = "–"


def number(value: int | float | str | None) -> str:
    """12345 → '12 345' (narrow no-break spaces); 'secret' stays as it is."""
    if value is None:
        return MISSING_TEXT
    if isinstance(value, str):
        return SECRET_TEXT if value == "secret" else value
    return format_decimal(value, locale=LOCALE)


def percent(value: float | str | None, *, signed: bool = False) -> str:
    """0.234 → '23,4 %'; signed: '+23,4 %' / '-5,0 %'."""
    if value is None:
        return MISSING_TEXT
    if isinstance(value, str):
        return SECRET_TEXT if value == "secret" else value
    pattern = _PERCENT.replace("0%", "0.0%").replace("0\u00a0%", "0.0\u00a0%")
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return format_percent(value, format=pattern, locale=LOCALE)


def long_date(day: date) -> str:
    """'1er avril 2026', '31 mars 2026'."""
    text = format_date(day, format="d MMMM y", locale=LOCALE)
    return "1er" + text[1:] if day.day == 1 else text


def paris_datetime(moment: datetime) -> str:
    """'1er avril 2026 à 03:00' (Europe/Paris)."""
    local = moment.astimezone(PARIS)
    return f"{long_date(local.date())} à {format_datetime(local, 'HH:mm', locale=LOCALE)}"
