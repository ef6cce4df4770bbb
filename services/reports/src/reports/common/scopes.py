"""Scopes a note or an indicator pull is about, written as measure writes them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# Slugs as tenants makes them (DNS-label shaped); a UAI is 7 digits and a letter.
SLUG = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
UAI = r"[0-9]{7}[A-Za-z]"
SCOPE_PATTERN = rf"^(?:national|project:{SLUG}|member:{SLUG}|uai:{UAI})$"
_SCOPE = re.compile(SCOPE_PATTERN)


class ScopeKind(StrEnum):
    national = "national"
    member = "member"
    project = "project"
    uai = "uai"


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    value: str | None  # None for national

    @classmethod
    def parse(cls, text: str) -> Scope:
        if not _SCOPE.match(text):
            raise ValueError(f"not a scope: {text!r}")
        kind, _, value = text.partition(":")
        if kind == ScopeKind.uai:
            value = value.upper()
        return cls(ScopeKind(kind), value or None)

    def __str__(self) -> str:
        return self.kind.value if self.value is None else f"{self.kind.value}:{self.value}"
