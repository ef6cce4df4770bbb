"""Stored notes: immutable once written (no route or function updates them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field

from gipkit.types import UTCDateTime, utcnow
from reports.models import TableBase


class Note(TableBase, table=True):
    __tablename__ = "note"
    # Same scope, period and method with the same figures is the same note: asking again
    # returns it instead of storing a copy.
    __table_args__ = (
        UniqueConstraint("scope", "period_label", "method_version", "figures_sha256"),
    )

    seq: int | None = Field(default=None, primary_key=True)
    id: str = Field(max_length=32, unique=True, description="Public id (UUID, hex)")
    scope: str = Field(max_length=80, index=True)
    scope_kind: str = Field(max_length=16)
    scope_label: str = Field(max_length=255)
    project: str | None = Field(default=None, max_length=63)
    period_kind: str = Field(max_length=16)
    period_label: str = Field(max_length=21, index=True)
    date_from: date
    date_to: date
    method_version: str = Field(max_length=20)
    data_cutoff: datetime = Field(sa_type=UTCDateTime)
    figures_sha256: str = Field(max_length=64)
    figures: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    inputs: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    sources: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    trigger: str = Field(max_length=16, description="request | quarterly")
    created_by: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NoteOwner(TableBase, table=True):
    """The members whose scope a note is about, when it was made (tenant filtering)."""

    __tablename__ = "note_owner"

    note_seq: int = Field(
        sa_column=Column(Integer, ForeignKey("note.seq", ondelete="CASCADE"), primary_key=True)
    )
    member: str = Field(max_length=63, primary_key=True, index=True)
