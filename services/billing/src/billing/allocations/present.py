"""Runs and their lines as the API shows them, with each line's explanation in words."""

from __future__ import annotations

from fractions import Fraction

from billing.allocations.models import AllocationLine, AllocationRun
from billing.allocations.schemas import LinePublic, RunPublic
from billing.core.fr import KEY_NAMES, count_fr, euros_fr, fraction_fr
from gipkit.codes import COLLEGES


def euros(cents: int | Fraction, decimals: int = 2) -> str:
    value = Fraction(cents) / 100
    sign = "-" if value < 0 else ""
    scaled = round(abs(value) * 10**decimals)
    whole, frac = divmod(scaled, 10**decimals)
    return f"{sign}{whole}.{frac:0{decimals}d}" if decimals else f"{sign}{whole}"


def run_public(run: AllocationRun) -> RunPublic:
    sources = (run.inputs or {}).get("sources", {})
    return RunPublic.model_validate({**run.model_dump(), "sources": sources})


# How a shared cost is split, as the explanation says it.
SHARED_BY = {
    "students": f"selon les {KEY_NAMES['students']}",
    "visits": f"selon les {KEY_NAMES['visits']}",
    "equal": f"à {KEY_NAMES['equal']}",
}


def _explain(line: AllocationLine) -> str:
    """The line in words, for the member who reads it (French)."""
    prorated = f" × {line.days}/{line.period_days} jours" if line.days != line.period_days else ""
    exact = euros_fr(Fraction(line.exact_cents), 6)
    if line.key == "usage":
        return (
            f"{count_fr(line.key_value)} unités utilisées × {euros_fr(line.pool_cents)} = "
            f"{euros_fr(line.amount_cents)}"
        )
    if line.key == "fixed_price":
        return (
            f"prix fixe {euros_fr(line.pool_cents)}{prorated} = {exact}, "
            f"arrondi à {euros_fr(line.amount_cents)}"
        )
    in_kind = (
        f" ; apport en nature déduit : {euros_fr(line.in_kind_cents)}" if line.in_kind_cents else ""
    )
    college = COLLEGES.get(line.college, line.college)
    return (
        f"{line.prestation} (collège {college}) : {euros_fr(line.pool_cents)} répartis "
        f"{SHARED_BY.get(line.key, line.key)} ; {count_fr(line.key_value)} sur "
        f"{count_fr(line.key_total)}{prorated} → poids {fraction_fr(line.weight)} sur "
        f"{fraction_fr(line.weight_total)} = {fraction_fr(line.fraction)} ; {exact} arrondis à "
        f"{euros_fr(line.amount_cents)} (méthode des plus forts restes){in_kind}"
    )


def line_public(line: AllocationLine) -> LinePublic:
    return LinePublic.model_validate(
        {
            **line.model_dump(),
            "exact_euros": euros(Fraction(line.exact_cents), 6),
            "explanation": _explain(line),
        }
    )
