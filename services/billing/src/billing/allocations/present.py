"""Runs and their lines as the API shows them, with each line's explanation in words."""

from __future__ import annotations

from fractions import Fraction

from billing.allocations.models import AllocationLine, AllocationRun
from billing.allocations.schemas import LinePublic, RunPublic


def euros(cents: int | Fraction, decimals: int = 2) -> str:
    value = Fraction(cents) / 100
    sign = "-" if value < 0 else ""
    scaled = round(abs(value) * 10**decimals)
    whole, frac = divmod(scaled, 10**decimals)
    return f"{sign}{whole}.{frac:0{decimals}d}" if decimals else f"{sign}{whole}"


def run_public(run: AllocationRun) -> RunPublic:
    sources = (run.inputs or {}).get("sources", {})
    return RunPublic.model_validate({**run.model_dump(), "sources": sources})


def _explain(line: AllocationLine) -> str:
    prorated = f" × {line.days}/{line.period_days} days" if line.days != line.period_days else ""
    if line.key == "usage":
        return (
            f"{line.key_value} units used × {euros(line.pool_cents)} € = "
            f"{euros(line.amount_cents)} €"
        )
    if line.key == "fixed_price":
        return (
            f"fixed price {euros(line.pool_cents)} €{prorated} = "
            f"{euros(Fraction(line.exact_cents), 6)} €, rounded to {euros(line.amount_cents)} €"
        )
    return (
        f"{line.prestation} ({line.college}): {euros(line.pool_cents)} € shared by {line.key}; "
        f"{line.key_value} of {line.key_total}{prorated} → weight {line.weight} of "
        f"{line.weight_total} = {line.fraction}; {euros(Fraction(line.exact_cents), 6)} € "
        f"rounded to {euros(line.amount_cents)} € (largest remainder)"
        + (f"; in-kind deducted {euros(line.in_kind_cents)} €" if line.in_kind_cents else "")
    )


def line_public(line: AllocationLine) -> LinePublic:
    return LinePublic.model_validate(
        {
            **line.model_dump(),
            "exact_euros": euros(Fraction(line.exact_cents), 6),
            "explanation": _explain(line),
        }
    )
