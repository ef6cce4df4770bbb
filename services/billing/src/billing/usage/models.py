"""Metered usage events sent by other services (a note generated, a partner API call)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from billing.models import TableBase
from gipkit.types import UTCDateTime, utcnow


class UsageEvent(TableBase, table=True):
    __tablename__ = "usage_event"
    # One event per idempotency key of a caller: the same key twice counts once.
    __table_args__ = (UniqueConstraint("caller", "idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    caller: str = Field(max_length=255)
    idempotency_key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    year: int = Field(index=True)
    prestation: str = Field(max_length=40)
    member: str = Field(max_length=63, index=True)
    project: str | None = Field(default=None, max_length=63)
    quantity: int
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    kind: str | None = Field(default=None, max_length=40)
    reference: str | None = Field(default=None, max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    answer: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
