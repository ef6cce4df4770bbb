"""Documents built from the stored, immutable rows: the same rows always give the same
figures, in the PDF and in its XML."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from billing.core.vat import from_json
from billing.invoices.document import CREDIT_NOTE, INVOICE, DocLine, Document, Party
from billing.invoices.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine
from billing.settings import Seller


def seller_party(seller: Seller) -> Party:
    return Party(**seller.model_dump())


def _buyer(invoice: Invoice) -> Party:
    return Party(name=invoice.buyer_name, siren=invoice.buyer_siren)


def invoice_document(invoice: Invoice, lines: Sequence[InvoiceLine], seller: Seller) -> Document:
    notes = [
        f"Contribution {invoice.year} au GIP, calculée par la répartition n° {invoice.run_id} "
        "approuvée ; le détail de chaque quote-part (clé, valeur, fraction exacte, arrondi) "
        "est consultable dans la console.",
    ]
    if any(ln.in_kind_cents for ln in lines):
        notes.append("Les apports en nature valorisés sont déduits des quotes-parts.")
    return Document(
        type_code=INVOICE,
        number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        seller=seller_party(seller),
        buyer=_buyer(invoice),
        buyer_reference=invoice.member,
        lines=[
            DocLine(
                position=ln.position,
                code=ln.prestation,
                label=ln.label,
                vat_rate_bp=ln.vat_rate_bp,
                net_cents=ln.net_cents,
                gross_cents=ln.gross_cents,
                in_kind_cents=ln.in_kind_cents,
            )
            for ln in lines
        ],
        breakdown=from_json(invoice.vat_breakdown),
        ht_cents=invoice.total_ht_cents,
        vat_cents=invoice.total_vat_cents,
        ttc_cents=invoice.total_ttc_cents,
        period=(date(invoice.year, 1, 1), date(invoice.year, 12, 31)),
        notes=notes,
    )


def credit_note_document(
    note: CreditNote, lines: Sequence[CreditNoteLine], invoice: Invoice, seller: Seller
) -> Document:
    return Document(
        type_code=CREDIT_NOTE,
        number=note.number,
        issue_date=note.issue_date,
        seller=seller_party(seller),
        buyer=_buyer(invoice),
        buyer_reference=invoice.member,
        lines=[
            DocLine(
                position=ln.position,
                code=ln.prestation,
                label=ln.label,
                vat_rate_bp=ln.vat_rate_bp,
                net_cents=ln.amount_cents,
            )
            for ln in lines
        ],
        breakdown=from_json(note.vat_breakdown),
        ht_cents=note.total_ht_cents,
        vat_cents=note.total_vat_cents,
        ttc_cents=note.total_ttc_cents,
        preceding=(invoice.number, invoice.issue_date),
        notes=[f"Motif : {note.reason}"],
    )
