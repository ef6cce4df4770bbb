"""What the open-data API answers."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class FilePublic(BaseModel):
    name: str
    media_type: str
    size: int = Field(description="Bytes")
    sha256: str
    href: str


class ReleasePublic(BaseModel):
    week: str = Field(description="ISO week, e.g. 2026-W10")
    week_start: date = Field(description="Monday")
    week_end: date = Field(description="Sunday")
    rows: int = Field(description="Establishments with at least one visit that week")
    suppressed_cells: int = Field(description="Cells left empty by statistical secrecy")
    method_version: str
    data_cutoff: datetime
    published_at: datetime
    licence: str = "Licence Ouverte / Open Licence version 2.0"
    datapackage: str = Field(description="URL of the Frictionless Data Package descriptor")
    files: list[FilePublic]
