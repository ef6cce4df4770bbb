"""Invoices, credit notes and payments as the API reads and writes them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from billing.common.schemas import Code, Label, PositiveCents, PublicModel, RequestModel, Slug, Text
from gipkit.fields import AS_JSON_INTEGER, Day

Status = Literal["unpaid", "partial", "paid", "credited"]


class InvoiceIssue(RequestModel):
    run_id: Annotated[int, Field(ge=1, le=2**31 - 1), AS_JSON_INTEGER]
    member: Slug


class InvoiceUpdate(RequestModel):
    """Any change of an issued invoice is refused (409): corrections are credit notes."""

    buyer_name: Label | None = None
    due_date: Day | None = None
    note: Text | None = None


class VatPublic(BaseModel):
    rate_bp: int
    basis_cents: int
    vat_cents: int


class InvoiceLinePublic(PublicModel):
    position: int
    prestation: str
    label: str
    vat_rate_bp: int
    gross_cents: int
    in_kind_cents: int
    net_cents: int


class InvoicePublic(PublicModel):
    number: str
    year: int
    run_id: int
    member: str
    buyer_name: str
    buyer_siren: str | None
    issued_at: datetime
    issue_date: date
    due_date: date
    total_ht_cents: int
    total_vat_cents: int
    total_ttc_cents: int
    vat_breakdown: list[VatPublic]
    lines: list[InvoiceLinePublic]
    credited_ttc_cents: int
    paid_cents: int
    balance_cents: int = Field(description="TTC − credited − paid")
    status: Status
    credit_notes: list[str]


class IssueResult(BaseModel):
    run_id: int
    issued: list[str]
    skipped: dict[str, str] = Field(description="member → why no invoice was issued now")


class CreditLineIn(RequestModel):
    prestation: Code
    amount_cents: PositiveCents = Field(description="HT amount credited on that line")


class CreditNoteCreate(RequestModel):
    reason: Text
    lines: list[CreditLineIn] | None = Field(
        default=None,
        max_length=50,
        description="Omitted: everything not yet credited (the invoice is cancelled)",
    )


class CreditNoteLinePublic(PublicModel):
    position: int
    prestation: str
    label: str
    vat_rate_bp: int
    amount_cents: int


class CreditNotePublic(PublicModel):
    number: str
    invoice: str
    member: str
    reason: str
    issued_at: datetime
    issue_date: date
    total_ht_cents: int
    total_vat_cents: int
    total_ttc_cents: int
    vat_breakdown: list[VatPublic]
    lines: list[CreditNoteLinePublic]


class PaymentCreate(RequestModel):
    amount_cents: PositiveCents
    received_on: Day
    reference: Label | None = None


class PaymentPublic(PublicModel):
    id: int
    invoice: str
    member: str
    received_on: date
    amount_cents: int
    reference: str | None
    recorded_at: datetime


class BalancePublic(BaseModel):
    member: str
    invoiced_ttc_cents: int
    credited_ttc_cents: int
    paid_cents: int
    balance_cents: int
