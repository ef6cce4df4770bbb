"""Every call billing makes to another service, in one place (so paths can be re-mapped).

Contract assumed (tenants and measure are written in parallel):

* tenants, role `service`:
  `GET /api/v1/members?limit=500&cursor=…` →
  `{"items": [{"slug", "name", "kind", "college", "siren", "joined_on"?, "left_on", …}],
    "next_cursor": str | null}`;
  `GET /api/v1/members/{slug}/headcount?school_year=2025-2026` →
  `{"member": slug, "school_year": …, "pupils": int, …}` (404: no headcount → 0 pupils).
* measure, role `service`:
  `GET /api/v1/indicators?scope=member:{slug}&from=YYYY-MM-DD&to=YYYY-MM-DD` →
  `{"totals": {"visits": int, …}, "method_version": "v1", "data_cutoff": …}` — measure's
  schema names it `total`; both are read (404: nothing measured → 0 visits).

An answer that does not have this shape is the peer's fault: a `PeerError` (→ 502), never a
500 of ours. Key values fetched here are recorded in the run by the caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from gipkit.http import PeerError, PeerNotFound, ServiceClient

T = TypeVar("T")
# Calls in flight per peer while gathering key values: enough to be quick, few enough not to
# flood a peer with one request per member at once.
CONCURRENCY = 8


class PeerMember(BaseModel):
    slug: str
    name: str
    kind: str
    college: str
    siren: str | None = None
    joined_on: date | None = None
    left_on: date | None = None


class _MembersPage(BaseModel):
    items: list[PeerMember]
    next_cursor: str | None = None


class _Headcount(BaseModel):
    pupils: int


class _Totals(BaseModel):
    visits: int = 0


class _Indicators(BaseModel):
    # The brief says `totals`; measure's own schema says `total`: either is read.
    totals: _Totals | None = None
    total: _Totals | None = None
    method_version: str | None = None
    data_cutoff: str | None = None


class Visits(BaseModel):
    visits: int
    method_version: str | None = None
    data_cutoff: str | None = None


def _parse(peer: str, model: type[BaseModel], body: Any) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        detail = f"unexpected answer shape: {exc.error_count()} errors"
        raise PeerError(peer, 200, detail=detail) from exc


async def members(peers: Mapping[str, ServiceClient], *, page_size: int = 500) -> list[PeerMember]:
    """Every member of tenants' register, all pages."""
    client = peers["tenants"]
    found: list[PeerMember] = []
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        params: dict[str, Any] = {"limit": page_size}
        if cursor:
            params["cursor"] = cursor
        page = _parse("tenants", _MembersPage, await client.get("/api/v1/members", params=params))
        found.extend(page.items)
        if not page.next_cursor or page.next_cursor in seen:
            return found
        seen.add(page.next_cursor)
        cursor = page.next_cursor


async def pupils(peers: Mapping[str, ServiceClient], *, member: str, school_year: str) -> int:
    try:
        body = await peers["tenants"].get(
            f"/api/v1/members/{member}/headcount", params={"school_year": school_year}
        )
    except PeerNotFound:
        return 0
    return int(_parse("tenants", _Headcount, body).pupils)


async def visits(
    peers: Mapping[str, ServiceClient], *, member: str, start: date, end: date
) -> Visits:
    try:
        body = await peers["measure"].get(
            "/api/v1/indicators",
            params={"scope": f"member:{member}", "from": start.isoformat(), "to": end.isoformat()},
        )
    except PeerNotFound:
        return Visits(visits=0)
    parsed: _Indicators = _parse("measure", _Indicators, body)
    figures = parsed.totals or parsed.total
    if figures is None:
        raise PeerError("measure", 200, detail="indicators without totals")
    return Visits(
        visits=figures.visits,
        method_version=parsed.method_version,
        data_cutoff=parsed.data_cutoff,
    )


async def for_each(
    items: list[str], call: Callable[[str], Awaitable[T]], *, limit: int = CONCURRENCY
) -> dict[str, T]:
    """`call(item)` for every item, at most `limit` at once; the first failure propagates."""
    semaphore = asyncio.Semaphore(limit)

    async def one(item: str) -> T:
        async with semaphore:
            return await call(item)

    results = await asyncio.gather(*(one(i) for i in items))
    return dict(zip(items, results, strict=True))
