"""Template rendering and the navigation each role sees."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from gateway.console.formatting import FILTERS
from gateway.console.sessions import ConsoleSession
from gipkit.auth import GIP_ADMIN, MEMBER_ADMIN, MEMBER_VIEWER

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.filters.update(FILTERS)

ROLE_LABELS = {
    GIP_ADMIN: "Administrateur du GIP",
    MEMBER_ADMIN: "Administrateur de membre",
    MEMBER_VIEWER: "Lecteur",
}


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str
    roles: frozenset[str]


# Each entry is shown only to the roles that may open the page (the APIs enforce the same).
_EVERYONE = frozenset({GIP_ADMIN, MEMBER_ADMIN, MEMBER_VIEWER})
_ADMINS = frozenset({GIP_ADMIN, MEMBER_ADMIN})
_GIP = frozenset({GIP_ADMIN})
NAV = (
    NavItem("/console/", "Tableau de bord", _EVERYONE),
    NavItem("/console/subscriptions", "Abonnements", _ADMINS),
    NavItem("/console/contribution", "Ma contribution", _EVERYONE),
    NavItem("/console/invoices", "Factures", _ADMINS),
    NavItem("/console/notes", "Notes de synthèse", _EVERYONE),
    NavItem("/console/clients", "Clients d'API", _ADMINS),
    NavItem("/console/users", "Utilisateurs", _ADMINS),
    NavItem("/console/admin/members", "Membres", _GIP),
    NavItem("/console/admin/projects", "Projets ENT", _GIP),
    NavItem("/console/admin/allocations", "Répartition", _GIP),
    NavItem("/console/admin/catalogue", "Catalogue", _GIP),
    NavItem("/console/admin/invoices", "Factures et paiements", _GIP),
    NavItem("/console/admin/open-data", "Données ouvertes", _GIP),
)


def render(
    request: Request,
    template: str,
    session: ConsoleSession | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    roles = session.principal.roles if session else frozenset()
    nav = [item for item in NAV if roles & item.roles]
    role_label = next((ROLE_LABELS[r] for r in ROLE_LABELS if r in roles), None)
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "session": session,
            "principal": session.principal if session else None,
            "role_label": role_label,
            "nav": nav,
            "current_path": request.url.path,
            **context,
        },
        status_code=status_code,
    )


# Where a message page leads by default.
BACK_HOME = ("/console/", "Retour au tableau de bord")


def message_page(
    request: Request,
    session: ConsoleSession | None,
    *,
    status_code: int,
    title: str,
    message: str,
    action: tuple[str, str] = BACK_HOME,
) -> HTMLResponse:
    """A page that only says something (a refusal, an error) and offers one way on."""
    return render(
        request,
        "message.html",
        session,
        status_code=status_code,
        title=title,
        message=message,
        action=action,
    )
