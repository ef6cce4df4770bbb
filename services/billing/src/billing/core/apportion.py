"""Largest-remainder apportionment of an amount of cents (DESIGN.md §3 billing).

Each part first gets the floor of its exact quota; the cents left over (fewer than the number
of parts) go one each to the parts with the largest remainders. Ties are broken by the larger
weight, then by the key (a member slug, a college): the result never depends on the order in
which the parts were given, so a run recomputed from the same inputs gives the same cents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

Weight = int | Fraction


@dataclass(frozen=True)
class Part:
    key: str
    weight: Fraction
    fraction: Fraction  # weight / total weight
    exact: Fraction  # the amount before rounding, in cents
    amount: int  # cents, after rounding

    @property
    def rounding(self) -> Fraction:
        """What rounding added to (or took from) this part, in cents."""
        return self.amount - self.exact


class NothingToWeigh(ValueError):
    """Every weight is zero: there is no proportion to split by."""


def apportion(total: int, weights: Mapping[str, Weight]) -> dict[str, Part]:
    """Split `total` cents between the keys of `weights` in proportion to them, exactly.

    The amounts add up to `total`; a part of weight zero gets nothing.
    """
    if total < 0:
        raise ValueError("the amount to split must not be negative")
    exact_weights = {k: Fraction(w) for k, w in weights.items()}
    if any(w < 0 for w in exact_weights.values()):
        raise ValueError("weights must not be negative")
    weight_total = sum(exact_weights.values(), Fraction(0))
    if weight_total == 0:
        raise NothingToWeigh("every weight is zero")
    quotas = {k: total * w / weight_total for k, w in exact_weights.items()}
    floors = {k: q.numerator // q.denominator for k, q in quotas.items()}
    left = total - sum(floors.values())
    # Larger remainder first, then larger weight, then the key: deterministic and documented.
    order = sorted(quotas, key=lambda k: (-(quotas[k] - floors[k]), -exact_weights[k], k))
    bonus = set(order[:left])
    return {
        k: Part(
            key=k,
            weight=exact_weights[k],
            fraction=exact_weights[k] / weight_total,
            exact=quotas[k],
            amount=floors[k] + (1 if k in bonus else 0),
        )
        for k in exact_weights
    }


def round_half_up(value: Fraction) -> int:
    """Nearest integer, halves away from zero (what an accountant expects, not banker's)."""
    if value >= 0:
        return int((value + Fraction(1, 2)).__floor__())
    return -round_half_up(-value)
