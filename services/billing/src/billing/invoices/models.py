"""Invoices (contribution calls), credit notes, and the counters that number them.

Rows of these tables are written once, when issued: an update or a delete is refused by the
ORM itself (`_refuse_change`), whatever route or script tries it. Payments and credit notes
live in their own rows; an invoice's status and balance are derived from them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Integer, UniqueConstraint, event
from sqlmodel import Field

from billing.models import TableBase
from gipkit.types import UTCDateTime


class NumberSeries(TableBase, table=True):
    """The last number given in a series (`GIP-2026`, `GIP-AV-2026`): gapless numbering."""

    __tablename__ = "number_series"

    series: str = Field(primary_key=True, max_length=20)
    last_value: int = 0


class Invoice(TableBase, table=True):
    __tablename__ = "invoice"
    __table_args__ = (UniqueConstraint("run_id", "member"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    run_id: int = Field(sa_column=Column(Integer, ForeignKey("allocation_run.id"), nullable=False))
    year: int = Field(index=True)  # the budget year called
    member: str = Field(max_length=63, index=True)
    buyer_name: str = Field(max_length=200)
    buyer_siren: str | None = Field(default=None, max_length=9)
    issued_at: datetime = Field(sa_type=UTCDateTime)
    issue_date: date
    due_date: date
    total_ht_cents: int = Field(sa_type=BigInteger)
    total_vat_cents: int = Field(sa_type=BigInteger)
    total_ttc_cents: int = Field(sa_type=BigInteger)
    # Per VAT rate: [{"rate_bp", "basis_cents", "vat_cents"}] — VAT is computed per rate on
    # the total basis (EN 16931 BG-23), never per line, so totals agree to the cent.
    vat_breakdown: list[dict[str, int]] = Field(sa_column=Column(JSON, nullable=False))
    issued_by: str = Field(max_length=255)


class InvoiceLine(TableBase, table=True):
    __tablename__ = "invoice_line"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(
        sa_column=Column(Integer, ForeignKey("invoice.id"), nullable=False, index=True)
    )
    position: int
    prestation: str = Field(max_length=40)
    label: str = Field(max_length=200)
    vat_rate_bp: int
    gross_cents: int = Field(sa_type=BigInteger)
    in_kind_cents: int = Field(sa_type=BigInteger)
    net_cents: int = Field(sa_type=BigInteger)  # HT, after the in-kind deduction


class CreditNote(TableBase, table=True):
    __tablename__ = "credit_note"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    invoice_id: int = Field(
        sa_column=Column(Integer, ForeignKey("invoice.id"), nullable=False, index=True)
    )
    member: str = Field(max_length=63, index=True)
    reason: str = Field(max_length=500)
    issued_at: datetime = Field(sa_type=UTCDateTime)
    issue_date: date
    total_ht_cents: int = Field(sa_type=BigInteger)
    total_vat_cents: int = Field(sa_type=BigInteger)
    total_ttc_cents: int = Field(sa_type=BigInteger)
    vat_breakdown: list[dict[str, int]] = Field(sa_column=Column(JSON, nullable=False))
    issued_by: str = Field(max_length=255)


class CreditNoteLine(TableBase, table=True):
    __tablename__ = "credit_note_line"

    id: int | None = Field(default=None, primary_key=True)
    credit_note_id: int = Field(
        sa_column=Column(Integer, ForeignKey("credit_note.id"), nullable=False, index=True)
    )
    invoice_line_id: int = Field(
        sa_column=Column(Integer, ForeignKey("invoice_line.id"), nullable=False)
    )
    position: int
    prestation: str = Field(max_length=40)
    label: str = Field(max_length=200)
    vat_rate_bp: int
    amount_cents: int = Field(sa_type=BigInteger)  # HT credited


class ImmutableDocument(RuntimeError):
    """An issued invoice or credit note was about to be changed."""


def _refuse_change(_mapper: Any, _connection: Any, target: Any) -> None:
    raise ImmutableDocument(f"{type(target).__name__} rows are immutable once issued")


for _table in (Invoice, InvoiceLine, CreditNote, CreditNoteLine):
    event.listen(_table, "before_update", _refuse_change)
    event.listen(_table, "before_delete", _refuse_change)
