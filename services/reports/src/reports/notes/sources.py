"""The indicator answers of one note, fetched from measure in parallel."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Any

from reports import peers
from reports.common.periods import Period
from reports.common.scopes import Scope
from reports.composition.compose import BREAKDOWNS, Sources, months_span


@dataclass(frozen=True)
class Query:
    name: str
    scope: str
    start: date
    end: date
    group_by: str | None
    compare: bool

    def public(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "scope": self.scope,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "group_by": self.group_by,
            "compare": "previous_year" if self.compare else None,
        }


def queries(scope: Scope, period: Period) -> list[Query]:
    """What is asked of measure for each breakdown (stored with the note as its inputs)."""
    months_from, months_to = months_span(period)
    asked = []
    for name, (group_by, compare) in BREAKDOWNS.items():
        start, end = (months_from, months_to) if name == "months" else (period.start, period.end)
        asked.append(Query(name, str(scope), start, end, group_by, compare))
    return asked


async def fetch(*, clients: peers.Peers, scope: Scope, period: Period) -> Sources:
    asked = queries(scope, period)
    answers = await asyncio.gather(
        *(
            peers.indicators(
                clients,
                scope=q.scope,
                date_from=q.start,
                date_to=q.end,
                group_by=q.group_by,
                compare=q.compare,
            )
            for q in asked
        )
    )
    return Sources(**{q.name: a for q, a in zip(asked, answers, strict=True)})


def dump(sources: Sources) -> dict[str, Any]:
    return {name: getattr(sources, name).model_dump(mode="json") for name in BREAKDOWNS}


def load(stored: dict[str, Any]) -> Sources:
    return Sources(**{name: peers.Indicators.model_validate(stored[name]) for name in BREAKDOWNS})
