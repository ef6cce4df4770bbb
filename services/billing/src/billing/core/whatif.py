"""What-if: hypothetical changes applied to a run's recorded inputs, and the differences they
make per member. Nothing here is stored; the caller computes both results and compares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, Field

from billing.core.engine import RunResult
from billing.core.inputs import MemberIn, RunInputs, SubscriptionIn
from gipkit.french import Reason


class Join(BaseModel):
    slug: str
    name: str | None = None
    kind: str
    college: str
    pupils: int = 0
    visits: int = 0
    joined_on: date | None = None


class Leave(BaseModel):
    member: str
    left_on: date | None = None  # None: not a member at all during the year


class Subscribe(BaseModel):
    member: str
    prestation: str
    starts_on: date | None = None
    ends_on: date | None = None


class Cancel(BaseModel):
    member: str
    prestation: str


class Changes(BaseModel):
    join: list[Join] = Field(default_factory=list)
    leave: list[Leave] = Field(default_factory=list)
    subscribe: list[Subscribe] = Field(default_factory=list)
    cancel: list[Cancel] = Field(default_factory=list)
    shares: dict[str, int] | None = None

    def members_concerned(self) -> set[str]:
        others: tuple[Leave | Subscribe | Cancel, ...] = (
            *self.leave,
            *self.subscribe,
            *self.cancel,
        )
        return {c.slug for c in self.join} | {c.member for c in others}


class WhatIfError(ValueError):
    """A change that does not apply to the run (unknown member, prestation, …)."""


def apply(inputs: RunInputs, changes: Changes) -> RunInputs:
    new: RunInputs = inputs.model_copy(deep=True)
    codes = {p.code for p in new.prestations}
    for j in changes.join:
        if new.member(j.slug) is not None:
            raise WhatIfError(
                Reason(
                    f"{j.slug} is already a member in the run",
                    fr=f"{j.slug} est déjà membre dans ce calcul",
                )
            )
        new.members.append(
            MemberIn(
                slug=j.slug,
                name=j.name or j.slug,
                kind=j.kind,
                college=j.college,
                joined_on=j.joined_on,
            )
        )
        new.pupils[j.slug] = j.pupils
        new.visits[j.slug] = j.visits
    for lv in changes.leave:
        member = new.member(lv.member)
        if member is None:
            raise WhatIfError(
                Reason(
                    f"{lv.member} is not a member in the run",
                    fr=f"{lv.member} n'est pas membre dans ce calcul",
                )
            )
        if lv.left_on is None:
            new.members.remove(member)
        else:
            member.left_on = lv.left_on
    next_id = -1  # hypothetical subscriptions get negative ids: they exist nowhere
    for s in changes.subscribe:
        if s.prestation not in codes:
            raise WhatIfError(
                Reason(
                    f"prestation {s.prestation} is not in the run's catalogue",
                    fr=f"la prestation {s.prestation} n'est pas au catalogue de ce calcul",
                )
            )
        if new.member(s.member) is None:
            raise WhatIfError(
                Reason(
                    f"{s.member} is not a member in the run",
                    fr=f"{s.member} n'est pas membre dans ce calcul",
                )
            )
        new.subscriptions.append(
            SubscriptionIn(
                id=next_id,
                member=s.member,
                prestation=s.prestation,
                starts_on=s.starts_on or new.period_start,
                ends_on=s.ends_on,
            )
        )
        next_id -= 1
    for c in changes.cancel:
        kept = [
            s
            for s in new.subscriptions
            if not (s.member == c.member and s.prestation == c.prestation)
        ]
        if len(kept) == len(new.subscriptions):
            raise WhatIfError(
                Reason(
                    f"{c.member} has no subscription to {c.prestation} in the run",
                    fr=f"{c.member} n'a pas d'abonnement à {c.prestation} dans ce calcul",
                )
            )
        new.subscriptions = kept
    if changes.shares is not None:
        new.shares = dict(changes.shares)
    return new


@dataclass(frozen=True)
class Difference:
    member: str
    before_cents: int  # net cash due in the run
    after_cents: int  # net cash due with the changes
    difference_cents: int


def differences(before: RunResult, after: RunResult) -> list[Difference]:
    members = sorted(set(before.members) | set(after.members))
    out = []
    for m in members:
        b = before.members[m].net_cents if m in before.members else 0
        a = after.members[m].net_cents if m in after.members else 0
        out.append(Difference(m, b, a, a - b))
    return out
