"""Subscriptions of a member (or of one of its projects) to an option."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field

from billing.models import TableBase
from gipkit.types import UTCDateTime, utcnow


class Subscription(TableBase, table=True):
    __tablename__ = "subscription"

    id: int | None = Field(default=None, primary_key=True)
    prestation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("prestation.id"), nullable=False, index=True)
    )
    year: int = Field(index=True)
    prestation: str = Field(max_length=40)  # the code, kept for queries and display
    member: str = Field(max_length=63, index=True)
    project: str | None = Field(default=None, max_length=63)
    starts_on: date
    ends_on: date | None = None  # last day, included; None: to the end of the year
    # Cancelled before it started: it never counted (a cancellation after the start moves
    # `ends_on` instead, so that the days used are still billed).
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
