"""The PDF of a document, with its Factur-X XML embedded (PDF/A-3, `factur-x` package).

fpdf2's core fonts speak Latin-1 only: text is folded into it (and "€" written "EUR"), which
keeps the PDF free of embedded fonts and small.
"""

from __future__ import annotations

import facturx
from fpdf import FPDF

from billing.invoices.document import CREDIT_NOTE, Document
from billing.invoices.facturx import amount, cii_xml, rate


def _latin1(text: str) -> str:
    text = text.replace("€", "EUR").replace("’", "'").replace("\u202f", " ")
    return text.encode("latin-1", "replace").decode("latin-1")


def _fr(cents: int) -> str:
    """1234567 → '12 345,67' (French notation)."""
    whole, frac = amount(cents).split(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups: list[str] = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return f"{sign}{' '.join(groups) or '0'},{frac}"


class _Page(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)

    def text_line(self, text: str, size: float = 10, bold: bool = False, h: float = 5) -> None:
        self.set_font("Helvetica", "B" if bold else "", size)
        self.cell(0, h, _latin1(text), new_x="LMARGIN", new_y="NEXT")


def _render(doc: Document) -> bytes:
    pdf = _Page()
    pdf.set_title(_latin1(f"{doc.title} {doc.number}"))
    pdf.set_author(_latin1(doc.seller.name))
    pdf.add_page()
    s, b = doc.seller, doc.buyer
    pdf.text_line(s.name, 12, bold=True)
    for text in (
        f"{s.address_line or ''}, {s.postcode or ''} {s.city or ''}",
        f"SIREN {s.siren}  SIRET {s.siret}  TVA {s.vat_id}",
    ):
        pdf.text_line(text, 9)
    pdf.ln(4)
    pdf.text_line(f"{doc.title} n° {doc.number}", 14, bold=True, h=8)
    pdf.text_line(f"Date d'émission : {doc.issue_date.strftime('%d/%m/%Y')}")
    if doc.due_date:
        pdf.text_line(f"Échéance : {doc.due_date.strftime('%d/%m/%Y')}")
    if doc.preceding:
        pdf.text_line(
            f"Avoir sur la facture {doc.preceding[0]} du {doc.preceding[1].strftime('%d/%m/%Y')}"
        )
    if doc.period:
        pdf.text_line(
            f"Période : du {doc.period[0].strftime('%d/%m/%Y')} au "
            f"{doc.period[1].strftime('%d/%m/%Y')}"
        )
    pdf.ln(3)
    pdf.text_line("Destinataire", bold=True)
    pdf.text_line(b.name)
    if b.siren:
        pdf.text_line(f"SIREN {b.siren}")
    pdf.text_line(f"Référence : {doc.buyer_reference}")
    pdf.ln(4)

    widths = (70, 26, 24, 26, 14, 20) if doc.type_code != CREDIT_NOTE else (110, 0, 0, 30, 20, 20)
    heads = ("Prestation", "Quote-part", "Apport nature", "Net HT", "TVA %", "")
    pdf.set_font("Helvetica", "B", 9)
    for w, h in zip(widths, heads, strict=True):
        if w:
            pdf.cell(w, 7, _latin1(h), border="B")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for line in doc.lines:
        label = line.label if len(line.label) <= 44 else line.label[:41] + "..."
        cells = (
            label,
            _fr(line.gross_cents) if line.gross_cents is not None else "",
            _fr(line.in_kind_cents) if line.in_kind_cents else "",
            _fr(line.net_cents),
            rate(line.vat_rate_bp),
            "",
        )
        for w, text, align in zip(widths, cells, "LRRRRR", strict=True):
            if w:
                pdf.cell(w, 6, _latin1(text), align=align)
        pdf.ln()
    pdf.ln(3)
    for v in doc.breakdown:
        pdf.text_line(
            f"TVA {rate(v.rate_bp)} % sur {_fr(v.basis_cents)} EUR : {_fr(v.vat_cents)} EUR", 9
        )
    pdf.ln(2)
    for label, cents in (
        ("Total HT", doc.ht_cents),
        ("Total TVA", doc.vat_cents),
        ("Total TTC", doc.ttc_cents),
    ):
        pdf.text_line(f"{label} : {_fr(cents)} EUR", 11, bold=label == "Total TTC", h=6)
    pdf.ln(3)
    for note in doc.notes:
        pdf.set_font("Helvetica", "", 8)
        pdf.multi_cell(0, 4, _latin1(note), new_x="LMARGIN", new_y="NEXT")
    if s.iban:
        pdf.text_line(f"Règlement par virement : IBAN {s.iban}", 9)
    return bytes(pdf.output())


def render(doc: Document) -> bytes:
    """The PDF, with the document's Factur-X XML (checked against the EN 16931 XSD)."""
    pdf: bytes = facturx.generate_from_binary(
        _render(doc),
        cii_xml(doc),
        flavor="factur-x",
        level="en16931",
        check_xsd=True,
        lang="fr-FR",
        pdf_metadata={
            "author": doc.seller.name,
            "keywords": "Factur-X, EN 16931",
            "title": f"{doc.title} {doc.number}",
            "subject": f"{doc.title} {doc.number} — {doc.buyer.name}",
        },
    )
    return pdf
