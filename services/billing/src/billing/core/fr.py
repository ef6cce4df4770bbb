"""Numbers written for French readers in the texts billing writes (warnings, explanations):
amounts `1 234,56 €`, exact to the cent or to the fraction of a cent asked for; counts
`43 839`; exact fractions `43 839/244 643`."""

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


def count_fr(value: int) -> str:
    return f"{value:,}".replace(",", NARROW_NBSP)


def fraction_fr(exact: str) -> str:
    """An exact fraction as stored (`p/q`, or a whole number) with grouped digits."""
    return "/".join(count_fr(int(part)) for part in exact.split("/"))


# An allocation run's status, as "le calcul n° 3 est …" ends.
RUN_STATUS = {
    "computing": "en cours de calcul",
    "failed": "en échec",
    "draft": "un projet",
    "approved": "approuvé",
    "superseded": "remplacé",
}


def run_is(run_id: int | None, status: str) -> str:
    return f"le calcul n° {run_id} est {RUN_STATUS.get(status, status)}"


# An allocation key in words, as the warnings name it.
KEY_NAMES = {
    "students": "élèves couverts",
    "visits": "visites mesurées",
    "equal": "parts égales",
    "fixed_price": "prix fixe",
    "usage": "usage",
}
