"""In-kind contributions (valued in cents) deducted from a member's cash due.

The deduction never exceeds what is due: the excess is reported, never turned into a
negative invoice. It is spread over the member's lines in proportion to them (largest
remainder again), so each invoice line carries its own net amount.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from billing.core.apportion import apportion


@dataclass(frozen=True)
class Deduction:
    gross_cents: int
    in_kind_cents: int
    deducted_cents: int
    excess_cents: int
    per_line: dict[str, int]  # line key → cents deducted from it

    @property
    def net_cents(self) -> int:
        return self.gross_cents - self.deducted_cents


def deduct_in_kind(lines: Mapping[str, int], in_kind_cents: int) -> Deduction:
    if in_kind_cents < 0 or any(v < 0 for v in lines.values()):
        raise ValueError("amounts must not be negative")
    gross = sum(lines.values())
    deducted = min(gross, in_kind_cents)
    per_line = {k: 0 for k in lines}
    if deducted:
        per_line = {k: p.amount for k, p in apportion(deducted, lines).items()}
    return Deduction(
        gross_cents=gross,
        in_kind_cents=in_kind_cents,
        deducted_cents=deducted,
        excess_cents=in_kind_cents - deducted,
        per_line=per_line,
    )
