"""Published open-data weeks and their files, stored as published: they never change."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Integer, LargeBinary
from sqlmodel import Field

from gipkit.types import UTCDateTime, utcnow
from reports.models import TableBase


class OpenDataRelease(TableBase, table=True):
    __tablename__ = "open_data_release"

    id: int | None = Field(default=None, primary_key=True)
    week: str = Field(max_length=8, unique=True, description="ISO week, 2026-W10")
    week_start: date
    rows: int
    suppressed_cells: int
    method_version: str = Field(max_length=20)
    data_cutoff: datetime = Field(sa_type=UTCDateTime)
    published_by: str = Field(max_length=255)
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OpenDataFile(TableBase, table=True):
    __tablename__ = "open_data_file"

    release_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("open_data_release.id", ondelete="CASCADE"), primary_key=True
        )
    )
    name: str = Field(max_length=100, primary_key=True)
    media_type: str = Field(max_length=100)
    sha256: str = Field(max_length=64)
    size: int
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
