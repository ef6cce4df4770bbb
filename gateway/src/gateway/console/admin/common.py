"""What the GIP administrator's pages share: the role guard (page and form), the redirect
after a successful form, dates typed in forms."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends
from fastapi.responses import RedirectResponse

from gateway.console.deps import require_console_form, require_console_roles
from gateway.console.sessions import ConsoleSession
from gipkit.auth import GIP_ADMIN

GipSession = Annotated[ConsoleSession, Depends(require_console_roles(GIP_ADMIN))]
GipForm = Annotated[ConsoleSession, Depends(require_console_form(GIP_ADMIN))]

COLLEGE_LABELS = {
    "cdc": "Caisse des Dépôts",
    "state": "État",
    "collectivites": "Collectivités",
    "other": "Autres",
}
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
