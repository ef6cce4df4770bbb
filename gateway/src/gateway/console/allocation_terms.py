"""Words and numbers of billing's allocation runs in French, shared by the GIP's
"Répartition" pages and the member's "Ma contribution" page."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from babel.numbers import format_decimal

from gateway.console.formatting import LOCALE, percent
from gipkit.codes import COLLEGES

COLLEGE_LABELS = COLLEGES
RUN_STATUS_LABELS = {
    "computing": "Calcul en cours",
    "failed": "Échec du calcul",
    "draft": "Projet",
    "approved": "Approuvée",
    "superseded": "Remplacée",
}
KEY_LABELS = {
    "students": "élèves",
    "visits": "visites",
    "equal": "parts égales",
    "fixed_price": "prix fixe",
    "usage": "usage",
}


def exact_euros(value: str | None) -> str:
    """An amount before rounding (euros, 6 decimals) in French."""
    try:
        number = format_decimal(Decimal(value or ""), format="#,##0.000000", locale=LOCALE)
        return f"{number}\xa0€"
    except (ArithmeticError, ValueError):
        return value or "—"


def as_percent(exact: str | None) -> str:
    """An exact fraction `p/q` as a French percentage."""
    try:
        return percent(float(Fraction(exact or "")))
    except (ValueError, ZeroDivisionError):
        return exact or "—"
