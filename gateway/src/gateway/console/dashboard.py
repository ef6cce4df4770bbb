"""The dashboard of a scope: the figures of `measure` over a period, against the year before."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from gateway.console.api import ConsoleApi
from gateway.console.errors import ApiError
from gateway.console.periods import Period

BREAKDOWNS = ("month", "hour", "profile", "service", "device", "os", "inside")
BREAKDOWN_LABELS = {
    "month": "par mois",
    "hour": "par heure",
    "profile": "par profil",
    "service": "par service",
    "device": "par appareil",
    "os": "par système",
    "inside": "dans ou hors l'établissement",
}


@dataclass
class Dashboard:
    scope: str
    period: Period
    totals: dict[str, Any] = field(default_factory=dict)
    previous_totals: dict[str, Any] = field(default_factory=dict)
    series: dict[str, dict[str, Any]] = field(default_factory=dict)
    method_version: str | None = None
    data_cutoff: str | None = None
    unavailable: list[str] = field(default_factory=list)


async def _indicators(api: ConsoleApi, scope: str, period: Period, group_by: str) -> dict[str, Any]:
    data: dict[str, Any] = await api.get(
        "/api/v1/indicators",
        scope=scope,
        **{"from": period.start.isoformat(), "to": period.end.isoformat()},
        group_by=group_by,
        compare="previous_year",
    )
    return data


async def load_dashboard(api: ConsoleApi, *, scope: str, period: Period) -> Dashboard:
    board = Dashboard(scope=scope, period=period)
    results = await asyncio.gather(
        *(_indicators(api, scope, period, g) for g in BREAKDOWNS), return_exceptions=True
    )
    for group_by, result in zip(BREAKDOWNS, results, strict=True):
        if isinstance(result, ApiError):
            board.unavailable.append(BREAKDOWN_LABELS[group_by])
            continue
        if isinstance(result, BaseException):
            raise result
        board.series[group_by] = result
        board.totals = result.get("totals", board.totals)
        board.previous_totals = (result.get("previous") or {}).get("totals", board.previous_totals)
        board.method_version = result.get("method_version", board.method_version)
        board.data_cutoff = result.get("data_cutoff", board.data_cutoff)
    return board
