"""Amounts written for French readers in the texts billing writes (warnings, explanations):
`1 234,56 €`, exact to the cent or to the fraction of a cent asked for."""

from __future__ import annotations

from fractions import Fraction

NARROW_NBSP = "\u202f"  # the thousands separator of fr-FR


def euros_fr(cents: int | Fraction, decimals: int = 2) -> str:
    value = Fraction(cents) / 100
    sign = "-" if value < 0 else ""
    scaled = round(abs(value) * 10**decimals)
    whole, frac = divmod(scaled, 10**decimals)
    grouped = f"{whole:,}".replace(",", NARROW_NBSP)
    return f"{sign}{grouped},{frac:0{decimals}d}\u00a0€" if decimals else f"{sign}{grouped}\u00a0€"
