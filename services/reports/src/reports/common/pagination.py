"""Cursor pagination: `limit` ≤ 500, an opaque `cursor`, stable order, `next_cursor`.

Keyset pagination on an integer key, newest first: the cursor is the last key seen, in
hexadecimal; any value of its pattern is a position, so a cursor can be stale, never invalid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
CURSOR_PATTERN = r"^[0-9a-f]{1,8}$"
MAX_KEY = 2**31 - 1  # keys are 32-bit integers; a larger cursor means "from the newest"

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    before: int | None = None  # keys lower than this one (None: from the newest)


def page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(pattern=CURSOR_PATTERN, description="Opaque: the `next_cursor` of the previous page"),
    ] = None,
) -> PageRequest:
    return PageRequest(limit=limit, before=min(int(cursor, 16), MAX_KEY) if cursor else None)


PageDep = Annotated[PageRequest, Depends(page_request)]


def next_cursor(keys: list[int], request: PageRequest) -> str | None:
    """`keys` were fetched with `limit + 1`: one more than asked says there is a next page."""
    if len(keys) > request.limit:
        return format(keys[request.limit - 1], "x")
    return None
