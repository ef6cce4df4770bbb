"""The usage outbox: what billing must be told, written in the transaction that caused it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field

from gipkit.types import UTCDateTime, utcnow
from reports.models import TableBase


class UsageKind(StrEnum):
    note_generated = "note_generated"
    partner_pull = "partner_pull"


class UsageStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"  # parked: billing refused it, or too many attempts; see last_error


class UsageOutbox(TableBase, table=True):
    __tablename__ = "usage_outbox"

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=100, unique=True, description="note-<id> | pull-<id>")
    kind: str = Field(max_length=20)
    member: str = Field(max_length=63)
    prestation: str = Field(max_length=40)
    quantity: int = 1
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    reference: str = Field(max_length=100, description="The note concerned")
    status: str = Field(default=UsageStatus.pending, max_length=10, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
