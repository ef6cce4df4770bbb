"""Voting weights proportional to contributions (cash + in-kind), and the public-sector check.

The convention of a GIP requires public-sector members to hold more than half of the votes:
the check is made on exact integers (2 × public > total), never on rounded percentages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from billing.core.apportion import NothingToWeigh, apportion

# Kinds of member (tenants' register) that are public-sector bodies.
PUBLIC_KINDS = frozenset(
    {"cdc", "ministry", "academie", "region", "departement", "commune", "epci"}
)
# Weights are published in hundredths of a percent and add up to exactly 100.00 %.
BASIS = 10_000


@dataclass(frozen=True)
class Vote:
    member: str
    contribution_cents: int
    public: bool
    fraction: Fraction
    basis_points: int  # hundredths of a percent


@dataclass(frozen=True)
class VotingWeights:
    votes: list[Vote]
    total_cents: int
    public_cents: int

    @property
    def public_fraction(self) -> Fraction:
        return Fraction(self.public_cents, self.total_cents) if self.total_cents else Fraction(0)

    @property
    def public_majority(self) -> bool:
        return 2 * self.public_cents > self.total_cents


def voting_weights(contributions: Mapping[str, int], public: Mapping[str, bool]) -> VotingWeights:
    total = sum(contributions.values())
    try:
        parts = apportion(BASIS, contributions)
    except NothingToWeigh:
        parts = {}
    votes = [
        Vote(
            member=m,
            contribution_cents=c,
            public=public.get(m, False),
            fraction=parts[m].fraction if parts else Fraction(0),
            basis_points=parts[m].amount if parts else 0,
        )
        for m, c in sorted(contributions.items())
    ]
    public_cents = sum(v.contribution_cents for v in votes if v.public)
    return VotingWeights(votes=votes, total_cents=total, public_cents=public_cents)
