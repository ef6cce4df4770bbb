"""A note as a PDF: its HTML page printed by WeasyPrint (Pango underneath)."""

from __future__ import annotations

from reports.rendering.html import NoteView, render_html


def render_pdf(view: NoteView) -> bytes:
    # Imported here: WeasyPrint loads Pango when imported, which only PDF answers need.
    from weasyprint import HTML

    title = f"Note de synthèse — {view.figures.scope.label} — {view.figures.period.title}"
    document = HTML(string=render_html(view)).render()
    document.metadata.title = title
    document.metadata.authors = ["GIP de mesure d'audience des ENT"]
    document.metadata.lang = "fr"
    pdf: bytes = document.write_pdf()
    return pdf
