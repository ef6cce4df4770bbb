"""What a console page can run into, turned into pages or redirects by `install_console`."""

from __future__ import annotations

from typing import Any


class LoginRequired(Exception):
    """No valid session (or it could not be refreshed): go through the IdP again."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class ConsoleForbidden(Exception):
    """The user's role does not open this page."""


class CsrfRefused(Exception):
    """A state-changing form came without the session's CSRF token (or with another one)."""


class ApiError(Exception):
    """A service answered an error; `problem` is its problem+json body."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(problem.get("detail") or problem.get("title") or str(status))
        self.status = status
        self.problem = problem

    @property
    def detail(self) -> str:
        return str(self.problem.get("detail") or self.problem.get("title") or self.status)

    @property
    def field_errors(self) -> list[tuple[str, str]]:
        """`errors[]` of a validation problem as (field, reason), the field without its
        `body.` / `query.` prefix."""
        found = []
        for item in self.problem.get("errors") or []:
            if isinstance(item, dict) and item.get("reason"):
                name = str(item.get("field") or "").split(".")[-1]
                found.append((name, str(item["reason"])))
        return found
