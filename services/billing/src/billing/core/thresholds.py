"""Procurement thresholds: the no-publicity threshold in force on a date, and who is over it.

The table is dated and configurable (settings); 40,000 € HT until 31 March 2026 and
60,000 € HT from 1 April 2026 by default (DESIGN.md §1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from gipkit.french import Reason
from gipkit.french import day as day_fr


@dataclass(frozen=True)
class Threshold:
    valid_from: date
    amount_cents: int


DEFAULT_THRESHOLDS = (
    Threshold(date(2000, 1, 1), 4_000_000),
    Threshold(date(2026, 4, 1), 6_000_000),
)


@dataclass(frozen=True)
class Excess:
    member: str
    total_cents: int
    threshold_cents: int
    excess_cents: int


def threshold_on(table: Sequence[Threshold], day: date) -> Threshold:
    """The entry with the latest `valid_from` on or before `day`."""
    in_force = [t for t in table if t.valid_from <= day]
    if not in_force:
        raise LookupError(
            Reason(
                f"no procurement threshold in force on {day.isoformat()}",
                fr=f"aucun seuil de procédure en vigueur le {day_fr(day)}",
            )
        )
    return max(in_force, key=lambda t: t.valid_from)


def over_threshold(totals: Mapping[str, int], threshold: Threshold) -> list[Excess]:
    """Members whose yearly total (HT) is strictly above the threshold, largest excess first."""
    over = [
        Excess(m, total, threshold.amount_cents, total - threshold.amount_cents)
        for m, total in totals.items()
        if total > threshold.amount_cents
    ]
    return sorted(over, key=lambda e: (-e.excess_cents, e.member))
