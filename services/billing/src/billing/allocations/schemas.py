"""Allocation runs as the API reads and writes them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from billing.allocations.models import RunStatus
from billing.common.schemas import (
    Code,
    College,
    Count,
    Label,
    PublicModel,
    RequestModel,
    SharePart,
    Slug,
    Text,
    Year,
)
from gipkit.fields import Day


class MemberKind(StrEnum):
    cdc = "cdc"
    ministry = "ministry"
    academie = "academie"
    region = "region"
    departement = "departement"
    commune = "commune"
    epci = "epci"
    other = "other"


class Shares(RequestModel):
    """The convention's shares of the base cost, as relative parts (1, 1, 1 = thirds)."""

    cdc: SharePart = 1
    state: SharePart = 1
    collectivites: SharePart = 1
    other: SharePart = 0


class RunCreate(RequestModel):
    year: Year
    reference_date: Day | None = Field(
        default=None,
        description="Date whose procurement threshold applies (default: 1 January of the year)",
    )
    shares: Shares | None = Field(default=None, description="Default: the convention's")
    note: Text | None = None


class RunUpdate(RequestModel):
    """Recomputes the draft from its recorded key values (no new fetch)."""

    reference_date: Day | None = None
    shares: Shares | None = None
    note: Text | None = None


class RunPublic(PublicModel):
    id: int
    year: int
    status: RunStatus
    reference_date: date
    shares: dict[str, int]
    colleges: dict[str, int] = Field(description="Base cost per college, in cents")
    cost_cents: int = Field(description="Costs of the catalogue shared by a key")
    called_cents: int = Field(description="What the lines add up to (shared + priced)")
    warnings: list[str]
    error: str | None
    note: str | None
    sources: dict[str, Any] = Field(description="Where and when the key values were fetched")
    created_by: str
    created_at: datetime
    computed_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    superseded_by: int | None


class LinePublic(PublicModel):
    """One member's part of one prestation, with everything needed to redo the arithmetic."""

    member: str
    prestation: str
    college: str
    key: str
    key_value: int = Field(description="The member's key value (pupils, visits, 1, units …)")
    key_total: int = Field(description="Key values of everyone sharing the same amount")
    days: int = Field(description="Days counted (membership or subscription in the year)")
    period_days: int
    weight: str = Field(description="key value × days / period days, exact (p/q)")
    weight_total: str
    fraction: str = Field(description="weight / weight total, exact (p/q)")
    pool_cents: int = Field(description="The amount shared (a college's part, an option's cost)")
    exact_cents: str = Field(description="Amount before rounding, exact (p/q cents)")
    exact_euros: str = Field(description="Amount before rounding, in euros, 6 decimals")
    amount_cents: int = Field(description="Amount after rounding (largest remainder)")
    in_kind_cents: int
    net_cents: int
    explanation: str


class MemberTotalPublic(PublicModel):
    member: str
    name: str
    kind: str
    college: str
    public: bool
    gross_cents: int
    in_kind_cents: int
    deducted_cents: int
    excess_cents: int = Field(description="In-kind beyond the cash due: reported, not refunded")
    net_cents: int


class JoinIn(RequestModel):
    slug: Slug
    name: Label | None = None
    kind: MemberKind
    college: College
    pupils: Count = 0
    visits: Count = 0
    joined_on: Day | None = None


class LeaveIn(RequestModel):
    member: Slug
    left_on: Day | None = Field(default=None, description="Omitted: not a member at all")


class SubscribeIn(RequestModel):
    member: Slug
    prestation: Code
    starts_on: Day | None = None
    ends_on: Day | None = None


class CancelIn(RequestModel):
    member: Slug
    prestation: Code


class SimulateRequest(RequestModel):
    join: list[JoinIn] = Field(default_factory=list, max_length=50)
    leave: list[LeaveIn] = Field(default_factory=list, max_length=50)
    subscribe: list[SubscribeIn] = Field(default_factory=list, max_length=50)
    cancel: list[CancelIn] = Field(default_factory=list, max_length=50)
    shares: Shares | None = None


class DifferencePublic(BaseModel):
    member: str
    before_cents: int
    after_cents: int
    difference_cents: int


class SimulationPublic(BaseModel):
    run_id: int
    differences: list[DifferencePublic]
    called_before_cents: int
    called_after_cents: int
    warnings: list[str]


class ExcessPublic(BaseModel):
    member: str
    total_cents: int
    excess_cents: int


class ThresholdsPublic(BaseModel):
    run_id: int
    reference_date: date
    valid_from: date
    threshold_cents: int = Field(description="No-publicity threshold (HT) in force")
    compared: str = Field(description="What is compared: each collectivité's cash due (HT)")
    over: list[ExcessPublic]


class VotePublic(BaseModel):
    member: str
    contribution_cents: int = Field(description="Cash due + in-kind contribution")
    public: bool
    fraction: str
    percent: str = Field(description="Hundredths of a percent, adding up to 100.00")


class VotingPublic(BaseModel):
    run_id: int
    votes: list[VotePublic]
    total_cents: int
    public_cents: int
    public_fraction: str
    public_majority: bool = Field(description="Public-sector members hold more than half")
