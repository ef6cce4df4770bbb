"""Budget years, their prestations, and the in-kind contributions of members."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field

from billing.models import TableBase
from gipkit.types import UTCDateTime, utcnow


class BudgetYear(TableBase, table=True):
    __tablename__ = "budget_year"

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(unique=True)
    label: str = Field(max_length=200)
    starts_on: date
    ends_on: date
    # Pupils are counted for this school year (tenants' headcounts) …
    school_year: str = Field(max_length=9)
    # … and visits over this period (measure's indicators).
    visits_from: date
    visits_to: date
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Prestation(TableBase, table=True):
    __tablename__ = "prestation"
    __table_args__ = (UniqueConstraint("year", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(sa_column=Column(Integer, ForeignKey("budget_year.year"), nullable=False))
    code: str = Field(max_length=40)
    label: str = Field(max_length=200)
    kind: str = Field(max_length=10)
    cost_cents: int = Field(sa_type=BigInteger)
    key: str = Field(max_length=20)
    unit_price_cents: int | None = Field(default=None, sa_type=BigInteger)
    vat_rate_bp: int = 0
    colleges: list[str] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InKind(TableBase, table=True):
    """A member's contribution in kind for a year (staff, hosting …), valued in cents."""

    __tablename__ = "in_kind"
    __table_args__ = (UniqueConstraint("year", "member"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(sa_column=Column(Integer, ForeignKey("budget_year.year"), nullable=False))
    member: str = Field(max_length=63)
    amount_cents: int = Field(sa_type=BigInteger)
    description: str = Field(max_length=500)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
