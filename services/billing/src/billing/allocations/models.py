"""Allocation runs, their explained lines and per-member totals."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field

from billing.models import TableBase
from gipkit.types import UTCDateTime, utcnow


class RunStatus(StrEnum):
    computing = "computing"  # key values are being fetched from tenants and measure
    failed = "failed"  # they could not be: see `error`; recompute
    draft = "draft"  # computed; recomputable, simulable, approvable
    approved = "approved"  # frozen
    superseded = "superseded"  # a later approved run of the same year replaced it


class AllocationRun(TableBase, table=True):
    __tablename__ = "allocation_run"

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(sa_column=Column(Integer, ForeignKey("budget_year.year"), nullable=False))
    status: str = Field(max_length=12, index=True)
    reference_date: date
    shares: dict[str, int] = Field(sa_column=Column(JSON, nullable=False))
    inputs: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    warnings: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    colleges: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str | None = Field(default=None, max_length=1000)
    cost_cents: int = Field(default=0, sa_type=BigInteger)
    called_cents: int = Field(default=0, sa_type=BigInteger)
    note: str | None = Field(default=None, max_length=500)
    created_by: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    computed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    approved_by: str | None = Field(default=None, max_length=255)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    superseded_by: int | None = None


class AllocationLine(TableBase, table=True):
    __tablename__ = "allocation_line"
    __table_args__ = (UniqueConstraint("run_id", "member", "prestation"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(
        sa_column=Column(Integer, ForeignKey("allocation_run.id"), nullable=False, index=True)
    )
    member: str = Field(max_length=63, index=True)
    prestation: str = Field(max_length=40)
    college: str = Field(max_length=20)
    key: str = Field(max_length=20)
    key_value: int = Field(sa_type=BigInteger)
    key_total: int = Field(sa_type=BigInteger)
    days: int
    period_days: int
    # Exact fractions as text ("p/q"): their numerators can outgrow 64-bit integers.
    weight: str = Field(sa_type=Text)
    weight_total: str = Field(sa_type=Text)
    fraction: str = Field(sa_type=Text)
    exact_cents: str = Field(sa_type=Text)
    pool_cents: int = Field(sa_type=BigInteger)
    amount_cents: int = Field(sa_type=BigInteger)
    in_kind_cents: int = Field(sa_type=BigInteger)
    net_cents: int = Field(sa_type=BigInteger)


class AllocationMember(TableBase, table=True):
    __tablename__ = "allocation_member"
    __table_args__ = (UniqueConstraint("run_id", "member"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(
        sa_column=Column(Integer, ForeignKey("allocation_run.id"), nullable=False, index=True)
    )
    member: str = Field(max_length=63)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    college: str = Field(max_length=20)
    siren: str | None = Field(default=None, max_length=9)
    public: bool
    gross_cents: int = Field(sa_type=BigInteger)
    in_kind_cents: int = Field(sa_type=BigInteger)
    deducted_cents: int = Field(sa_type=BigInteger)
    excess_cents: int = Field(sa_type=BigInteger)
    net_cents: int = Field(sa_type=BigInteger)
