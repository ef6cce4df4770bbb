"""What a console page can run into, turned into pages or redirects by `install_console`."""

from __future__ import annotations

from typing import Any


class LoginRequired(Exception):
    """No valid session (or it could not be refreshed): go through the IdP again."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class ConsoleForbidden(Exception):
    """The user's role does not open this page."""


class ApiError(Exception):
    """A service answered an error; `problem` is its problem+json body."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(problem.get("detail") or problem.get("title") or str(status))
        self.status = status
        self.problem = problem
