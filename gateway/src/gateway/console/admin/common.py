"""What the GIP administrator's pages share: the role guard (page and form), the redirect
after a successful form, dates typed in forms."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends
from fastapi.responses import RedirectResponse

from gateway.console.allocation_terms import COLLEGE_LABELS as COLLEGE_LABELS
from gateway.console.deps import require_console_form, require_console_roles
from gateway.console.errors import ApiError
from gateway.console.member.common import FormProblem
from gateway.console.sessions import ConsoleSession
from gipkit.auth import GIP_ADMIN

GipSession = Annotated[ConsoleSession, Depends(require_console_roles(GIP_ADMIN))]
GipForm = Annotated[ConsoleSession, Depends(require_console_form(GIP_ADMIN))]

KIND_LABELS = {
    "cdc": "Caisse des Dépôts",
    "ministry": "Ministère",
    "academie": "Académie",
    "region": "Région",
    "departement": "Département",
    "commune": "Commune",
    "epci": "EPCI",
    "other": "Autre",
}


def back(path: str, ok: str, **params: Any) -> RedirectResponse:
    """After a successful form: to the page (303), which says what was done (`?ok=`)."""
    query = {"ok": ok, **{k: v for k, v in params.items() if v not in (None, "")}}
    return RedirectResponse(f"{path}?{urlencode(query)}", status_code=303)


def parse_day(value: str) -> str | None:
    """An ISO date typed in a form, or None when it is not one."""
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        return None


_SPACES = str.maketrans("", "", " \xa0\u202f\u2009")
_AMOUNT = re.compile(r"^[0-9]{1,12}(?:[.,][0-9]{1,2})?$")
_RATE = re.compile(r"^[0-9]{1,3}(?:[.,][0-9]{1,2})?$")


def parse_euros(value: str) -> int | None:
    """An amount in euros typed French-style ("1 234,56", "1234.5", "12 €") in integer cents,
    or None when it is not one (more than two decimals, letters, negative)."""
    text = value.translate(_SPACES).removesuffix("€").strip()
    if not _AMOUNT.match(text):
        return None
    return int(Decimal(text.replace(",", ".")) * 100)


def parse_rate(value: str) -> int | None:
    """A rate in percent typed French-style ("20", "5,5") in basis points (2000), or None."""
    text = value.translate(_SPACES).removesuffix("%").strip()
    if not _RATE.match(text):
        return None
    bp = int(Decimal(text.replace(",", ".")) * 100)
    return bp if bp <= 10_000 else None


def euros_field(cents: int | None) -> str:
    """Integer cents as typed back in a form field ("1234,56"; "" for none)."""
    if cents is None:
        return ""
    return f"{cents // 100},{cents % 100:02d}"


def form_problem(
    exc: ApiError, *, known: tuple[str, ...], renames: dict[str, str] | None = None
) -> FormProblem:
    """The API's problem next to the form, its field names (`amount_cents`) renamed to the
    form's (`amount`)."""
    renames = renames or {}
    errors = [
        {**e, "field": renames.get(str(e["field"]).split(".")[-1], e["field"])}
        if isinstance(e, dict) and e.get("field")
        else e
        for e in exc.problem.get("errors") or []
    ]
    return FormProblem.of(ApiError(exc.status, {**exc.problem, "errors": errors}), known=known)
