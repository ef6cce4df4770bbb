"""Non-JSON answers: CSV for the accountant, PDF for members."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import Response


class CSVResponse(Response):
    media_type = "text/csv"


class PDFResponse(Response):
    media_type = "application/pdf"


class XMLResponse(Response):
    media_type = "application/xml"


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Semicolon-separated with a BOM: what French spreadsheet software opens as columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return "\ufeff" + buffer.getvalue()


def csv_response(text: str, filename: str) -> CSVResponse:
    return CSVResponse(
        text.encode("utf-8"),
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def binary_responses(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": description,
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
        }
    }


def text_responses(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}
    }
