"""An issued document (invoice or credit note) as the PDF and the Factur-X XML both see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from billing.core.vat import VatLine

INVOICE = "380"  # UNTDID 1001: commercial invoice
CREDIT_NOTE = "381"  # UNTDID 1001: credit note


@dataclass(frozen=True)
class Party:
    name: str
    siren: str | None = None
    siret: str | None = None
    vat_id: str | None = None
    address_line: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str = "FR"
    email: str | None = None
    iban: str | None = None


@dataclass(frozen=True)
class DocLine:
    position: int
    code: str
    label: str
    vat_rate_bp: int
    net_cents: int  # HT
    gross_cents: int | None = None  # before in-kind deduction (invoices)
    in_kind_cents: int = 0


@dataclass(frozen=True)
class Document:
    type_code: str
    number: str
    issue_date: date
    seller: Party
    buyer: Party
    buyer_reference: str
    lines: list[DocLine]
    breakdown: list[VatLine]
    ht_cents: int
    vat_cents: int
    ttc_cents: int
    due_date: date | None = None
    period: tuple[date, date] | None = None
    preceding: tuple[str, date] | None = None  # the invoice a credit note corrects
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return "Avoir" if self.type_code == CREDIT_NOTE else "Appel de contribution"
