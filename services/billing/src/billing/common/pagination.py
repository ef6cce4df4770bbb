"""Cursor pagination: `limit` ≤ 500, an opaque `cursor`, stable order, `next_cursor`.

Lists are ordered by the table's integer key and continue after the last key seen (keyset
pagination: stable under inserts). The cursor is that key in hexadecimal; any value of its
pattern is a position, so a cursor can be stale but never malformed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
CURSOR_PATTERN = r"^[0-9a-f]{1,8}$"
MAX_KEY = 2**31 - 1

T = TypeVar("T")
R = TypeVar("R")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    after: int = 0


def page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(pattern=CURSOR_PATTERN, description="Opaque: the `next_cursor` of the previous page"),
    ] = None,
) -> PageRequest:
    return PageRequest(limit=limit, after=min(int(cursor, 16), MAX_KEY) if cursor else 0)


PageDep = Annotated[PageRequest, Depends(page_request)]


def make_page(
    rows: Sequence[R], request: PageRequest, key: Callable[[R], int], public: Callable[[R], T]
) -> Page[T]:
    """`rows` were fetched with `limit + 1`: one more than asked says there is a next page."""
    has_more = len(rows) > request.limit
    kept = rows[: request.limit]
    next_cursor = format(key(kept[-1]), "x") if has_more and kept else None
    return Page(items=[public(r) for r in kept], next_cursor=next_cursor)
