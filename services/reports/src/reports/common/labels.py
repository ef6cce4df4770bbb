"""French labels of what figures are broken down by.

The tables (services and profiles: the national ENT tagging guide's ids and labels, so that
existing readers recognise them; devices, OS and inside/outside: measure's keys) are
`gipkit.codes`', shared with measure and the console. Here: how reports reads them.
"""

from __future__ import annotations

from types import MappingProxyType

MOBILE_DEVICE = "mobile"


def label(table: MappingProxyType[str, str], key: str, fallback: str | None = None) -> str:
    """The label of `key`, else the peer's label, else the key itself (a new code)."""
    return table.get(key) or fallback or key
