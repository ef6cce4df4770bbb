"""Subscriptions as the API reads and writes them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from billing.common.schemas import Code, PublicModel, RequestModel, Slug, Year
from gipkit.fields import Day

Status = Literal["active", "ended", "cancelled"]


class SubscriptionCreate(RequestModel):
    member: Slug
    project: Slug | None = Field(
        default=None, description="One of the member's ENT projects; omitted: the member itself"
    )
    year: Year
    prestation: Code = Field(description="Code of an option of the year's catalogue")
    starts_on: Day | None = Field(
        default=None, description="First day (default: 1 January of the year)"
    )
    ends_on: Day | None = Field(
        default=None, description="Last day, included (default: 31 December of the year)"
    )


class SubscriptionCancel(RequestModel):
    last_day: Day | None = Field(
        default=None,
        description="Last day billed (default: today). Before the start, the subscription "
        "is cancelled altogether.",
    )


class SubscriptionPublic(PublicModel):
    id: int
    member: str
    project: str | None
    year: int
    prestation: str
    starts_on: date
    ends_on: date | None
    status: Status
    days: int = Field(description="Days of the year it covers (pro-rating)")
    period_days: int
    cancelled_at: datetime | None
    created_at: datetime
