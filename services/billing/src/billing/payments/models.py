"""Payments received against invoices."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Integer
from sqlmodel import Field

from billing.models import TableBase
from gipkit.types import UTCDateTime, utcnow


class Payment(TableBase, table=True):
    __tablename__ = "payment"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(
        sa_column=Column(Integer, ForeignKey("invoice.id"), nullable=False, index=True)
    )
    member: str = Field(max_length=63, index=True)
    received_on: date
    amount_cents: int = Field(sa_type=BigInteger)
    reference: str | None = Field(default=None, max_length=200)
    recorded_by: str = Field(max_length=255)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
