"""The dashboard of a scope: the figures of `measure` over a period, against the year before."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from babel.dates import format_date

from gateway.console.api import ConsoleApi
from gateway.console.errors import ApiError
from gateway.console.formatting import LOCALE, today_paris
from gateway.console.periods import Period
from gipkit.clock import year_before


@dataclass(frozen=True)
class Breakdown:
    group_by: str
    title: str
    axis: str  # what one group is: the header of the table's first column, the chart's x
    unavailable: str  # how the notice names it when measure could not answer
    kind: str = "bars"


BREAKDOWNS = (
    Breakdown(
        "month", "Visites par mois, comparées à l'année précédente", "Mois", "par mois", "line"
    ),
    Breakdown("hour", "Visites par heure de la journée", "Heure", "par heure", "line"),
    Breakdown("profile", "Visites par profil", "Profil", "par profil"),
    Breakdown("service", "Services les plus utilisés", "Service", "par service"),
    Breakdown("device", "Appareils", "Appareil", "par appareil"),
    Breakdown("os", "Systèmes d'exploitation", "Système", "par système"),
    Breakdown(
        "inside", "Depuis l'établissement ou l'extérieur", "Lieu", "dans ou hors l'établissement"
    ),
)


@dataclass
class Dashboard:
    scope: str
    period: Period
    totals: dict[str, Any] = field(default_factory=dict)
    previous_totals: dict[str, Any] = field(default_factory=dict)
    # The days last year's totals cover: the same period, or its days so far while it runs.
    previous_period: tuple[date, date] | None = None
    series: dict[str, dict[str, Any]] = field(default_factory=dict)
    method_version: str | None = None
    data_cutoff: str | None = None
    # Above a project, unique visitors are the sum of each project's (a person has one
    # pseudonym per project): the page says so, as the API does.
    uniques_summed: bool = False
    projects: int = 0
    unavailable: list[str] = field(default_factory=list)
    breakdowns: tuple[Breakdown, ...] = BREAKDOWNS

    @property
    def compared_so_far(self) -> bool:
        """Last year's totals stop short of the period's end: the period is still running and
        is weighed against the days it has had so far."""
        return self.previous_period is not None and self.previous_period[1] < year_before(
            self.period.end
        )


def _month(key: str) -> date | None:
    """The first day of a month group's key (`2026-09`), or None for any other key."""
    try:
        return date.fromisoformat(f"{key}-01")
    except ValueError:
        return None


def _label(group_by: str, group: dict[str, Any], key: str, month: date | None) -> str:
    """How a group reads: months in words (`sept. 2026`), the national guide's service labels
    without their underscores (as the synthesis notes print them), else measure's label."""
    if month is not None:
        return format_date(month, "MMM y", locale=LOCALE)
    label = str(group.get("label") or key)
    return label.replace("_", " ") if group_by == "service" else label


async def _indicators(api: ConsoleApi, scope: str, period: Period, group_by: str) -> dict[str, Any]:
    data: dict[str, Any] = await api.get(
        "/api/v1/indicators",
        scope=scope,
        **{"from": period.start.isoformat(), "to": period.end.isoformat()},
        group_by=group_by,
        compare="previous_year",
    )
    today = today_paris()
    for group in data.get("groups", []):
        key = str(group.get("key", ""))
        month = _month(key) if group_by == "month" else None
        group["name"] = _label(group_by, group, key, month)
        # A month that has not begun has no figure yet (not a zero).
        group["to_come"] = month is not None and month > today
    return data


async def load_dashboard(api: ConsoleApi, *, scope: str, period: Period) -> Dashboard:
    board = Dashboard(scope=scope, period=period)
    results = await asyncio.gather(
        *(_indicators(api, scope, period, b.group_by) for b in BREAKDOWNS), return_exceptions=True
    )
    for breakdown, result in zip(BREAKDOWNS, results, strict=True):
        if isinstance(result, ApiError):
            board.unavailable.append(breakdown.unavailable)
            continue
        if isinstance(result, BaseException):
            raise result
        board.series[breakdown.group_by] = result
        board.totals = result.get("totals", board.totals)
        if previous := result.get("previous"):
            board.previous_totals = previous.get("totals", board.previous_totals)
            board.previous_period = (
                date.fromisoformat(previous["from"]),
                date.fromisoformat(previous["to"]),
            )
        board.uniques_summed = result.get("unique_visitors_method") == "sum_of_project_uniques"
        board.projects = int(result.get("projects") or 0)
        board.method_version = result.get("method_version", board.method_version)
        board.data_cutoff = result.get("data_cutoff", board.data_cutoff)
    return board
