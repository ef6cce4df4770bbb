"""ENT projects, who funds them, and which establishments they cover when (DESIGN.md §3)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint
from sqlmodel import Field

from gipkit.types import UTCDateTime, utcnow
from tenants.models import TableBase


class Project(TableBase, table=True):
    __tablename__ = "project"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=63, unique=True)
    name: str = Field(max_length=200)
    vendor: str = Field(max_length=100)
    # The national tagging guide's site number: 6 digits, kept as text (leading zeros).
    site_id: str = Field(max_length=6, unique=True)
    allowed_origins: list[str] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProjectFunder(TableBase, table=True):
    """A member funding a project; exactly one funder per project is responsible for it."""

    __tablename__ = "project_funder"

    project_id: int = Field(foreign_key="project.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True, index=True)
    responsible: bool = False


class Membership(TableBase, table=True):
    """An establishment belongs to a project from `valid_from` to `valid_to` (both inclusive;
    no end = still does). An establishment is in at most one project on any date."""

    __tablename__ = "project_establishment"
    __table_args__ = (CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="period"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    establishment_id: int = Field(foreign_key="establishment.id", index=True)
    valid_from: date
    valid_to: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
