"""What an allocation run is computed from, recorded with the run (JSON) so that it can be
recomputed and audited later even if tenants, measure or the catalogue change."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field


class MemberIn(BaseModel):
    slug: str
    name: str
    kind: str
    college: str
    siren: str | None = None
    joined_on: date | None = None
    left_on: date | None = None


class PrestationIn(BaseModel):
    code: str
    label: str
    kind: str  # base | option
    cost_cents: int
    key: str  # students | visits | equal | fixed_price | usage
    unit_price_cents: int | None = None
    vat_rate_bp: int = 0
    colleges: list[str]


class SubscriptionIn(BaseModel):
    id: int
    member: str
    project: str | None = None
    prestation: str
    starts_on: date
    ends_on: date | None = None


class RunInputs(BaseModel):
    year: int
    period_start: date
    period_end: date
    reference_date: date
    school_year: str
    visits_from: date
    visits_to: date
    shares: dict[str, int]
    members: list[MemberIn]
    prestations: list[PrestationIn]
    subscriptions: list[SubscriptionIn] = Field(default_factory=list)
    pupils: dict[str, int] = Field(default_factory=dict)
    visits: dict[str, int] = Field(default_factory=dict)
    usage: dict[str, dict[str, int]] = Field(default_factory=dict)  # prestation → member → qty
    in_kind: dict[str, int] = Field(default_factory=dict)
    sources: dict[str, Any] = Field(default_factory=dict)  # where and when keys were fetched

    def member(self, slug: str) -> MemberIn | None:
        return next((m for m in self.members if m.slug == slug), None)
