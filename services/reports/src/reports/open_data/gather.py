"""One week's figures of every establishment, from tenants (who) and measure (how much)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from reports import peers
from reports.common.periods import Week
from reports.open_data.secrecy import PROFILE_COLUMNS, Count, WeekFigures


@dataclass(frozen=True)
class Gathered:
    rows: list[WeekFigures]
    method_version: str
    data_cutoff: datetime | None


def _counts(answer: peers.Indicators) -> dict[str, Count]:
    return {g.key: Count(g.visits, g.unique_visitors) for g in answer.groups}


async def gather(*, clients: peers.Peers, week: Week, concurrency: int) -> Gathered:
    """Rows for establishments with at least one visit that week (others are not listed)."""
    establishments = await peers.establishments(clients)
    limit = asyncio.Semaphore(concurrency)

    async def one(e: peers.Establishment) -> tuple[WeekFigures, list[peers.Indicators]]:
        scope = f"uai:{e.uai.upper()}"
        async with limit:
            profiles = await peers.indicators(
                clients, scope=scope, date_from=week.start, date_to=week.end, group_by="profile"
            )
            devices = None
            if profiles.totals.visits:
                devices = await peers.indicators(
                    clients, scope=scope, date_from=week.start, date_to=week.end, group_by="device"
                )
        by_profile = _counts(profiles)
        row = WeekFigures(
            uai=e.uai.upper(),
            name=e.name,
            commune=e.commune or "",
            academie=e.academie or "",
            visits=profiles.totals.visits,
            unique_visitors=profiles.totals.unique_visitors,
            page_views=profiles.totals.page_views,
            profiles={k: by_profile.get(k, Count()) for k in PROFILE_COLUMNS},
            devices=_counts(devices) if devices else {},
        )
        return row, [a for a in (profiles, devices) if a is not None]

    results = await asyncio.gather(*(one(e) for e in establishments))
    answers = [a for _, used in results for a in used]
    methods = sorted({a.method_version for a in answers})
    if len(methods) > 1:
        raise ValueError(f"answers of several methods: {methods}")
    return Gathered(
        rows=[row for row, _ in results if row.visits > 0],
        method_version=methods[0] if methods else "v1",
        data_cutoff=min((a.data_cutoff for a in answers), default=None),
    )
