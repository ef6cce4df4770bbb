"""Query parameters several console pages take, bounded as the APIs behind them bound them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

# A member's or project's slug, as tenants makes them (DNS-label shaped).
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"

MemberQuery = Annotated[str | None, Query(max_length=63, pattern=SLUG_PATTERN)]
YearQuery = Annotated[int | None, Query(ge=2000, le=2099)]
