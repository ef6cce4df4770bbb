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
    "article",
    "day",
    "euros",
    "evolution",
    "moment",
    "number",
    "of",
    "percent",
    "rate_bp",
    "to",
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


# The article a member's name takes in a sentence, from its first word ("la Région
# Île-de-France", "le Département des Hauts-de-Seine", "l'Académie de Versailles"). A name
# this table does not know is written bare.
_ARTICLES = {
    "académie": "l'",
    "agence": "l'",
    "association": "l'",
    "caisse": "la ",
    "collectivité": "la ",
    "communauté": "la ",
    "commune": "la ",
    "conseil": "le ",
    "département": "le ",
    "direction": "la ",
    "établissement": "l'",
    "eurométropole": "l'",
    "groupement": "le ",
    "institut": "l'",
    "métropole": "la ",
    "ministère": "le ",
    "office": "l'",
    "préfecture": "la ",
    "rectorat": "le ",
    "région": "la ",
    "syndicat": "le ",
    "université": "l'",
    "ville": "la ",
}
_VOWELS = tuple("aeiouyàâäéèêëîïôöùûüœAEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŒ")


def article(name: str | None) -> str:
    """`Région Île-de-France` → `la Région Île-de-France`."""
    name = name or ""
    return _ARTICLES.get(name.split(" ", 1)[0].lower(), "") + name


def of(name: str | None) -> str:
    """`de` before a name: `du Département…`, `de la Région…`, `de l'Académie…`, `d'Orange`."""
    named = article(name)
    if named.startswith(("le ", "Le ")):  # "le Département", and a name's own: "Le Havre"
        return "du " + named[3:]
    if named.startswith("Les "):
        return "des " + named[4:]
    if named != (name or "") or not named.startswith(_VOWELS):
        return "de " + named
    return "d'" + named


def to(name: str | None) -> str:
    """`à` before a name: `au Département…`, `à la Région…`, `à l'Académie…`."""
    named = article(name)
    if named.startswith(("le ", "Le ")):
        return "au " + named[3:]
    if named.startswith("Les "):
        return "aux " + named[4:]
    return "à " + named


FILTERS = {
    "number": number,
    "euros": euros,
    "percent": percent,
    "evolution": evolution,
    "rate_bp": rate_bp,
    "day": day,
    "moment": moment,
    "article": article,
    "of": of,
    "to": to,
}
