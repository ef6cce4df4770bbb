"""First level of the allocation: the base cost between colleges, by the convention's shares.

A college with no member in the run cannot pay: its share goes to the colleges that have
members, in proportion to their own shares, and the run says so in a warning.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from fractions import Fraction

from billing.core.apportion import Part, apportion
from gipkit.codes import COLLEGES
from gipkit.french import Reason


@dataclass(frozen=True)
class CollegeSplit:
    parts: dict[str, Part]  # college → its amount (only colleges that pay)
    warnings: list[str]


class NoPayingCollege(ValueError):
    """No college with a share has a member: nobody can pay the base cost."""


def _fmt(share: Fraction) -> str:
    return f"{share.numerator}/{share.denominator}"


def split_between_colleges(
    total: int, shares: Mapping[str, int], present: Collection[str]
) -> CollegeSplit:
    """`shares` are relative parts (1, 1, 1 = thirds); `present` the colleges with members."""
    positive = {c: s for c, s in shares.items() if s > 0}
    share_total = sum(positive.values())
    paying = {c: s for c, s in positive.items() if c in present}
    if not paying:
        raise NoPayingCollege(
            Reason(
                "no college with a share has a member in the run",
                fr="aucun collège ayant une part n'a de membre dans ce calcul",
            )
        )
    warnings = []
    for college in sorted(set(positive) - set(paying)):
        share = Fraction(positive[college], share_total)
        warnings.append(
            f"le collège {COLLEGES.get(college, college)} n'a aucun membre dans ce calcul : sa "
            f"part ({_fmt(share)}) est répartie entre "
            f"{', '.join(COLLEGES.get(c, c) for c in sorted(paying))} au prorata de leurs parts"
        )
    return CollegeSplit(parts=apportion(total, paying), warnings=warnings)
