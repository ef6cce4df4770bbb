"""Statistical secrecy of the weekly open data (pure).

A row is one establishment over one week. Its published totals tie its profile cells
together: visits = Σ visits of each profile, and unique visitors = Σ unique visitors of each
profile (a person has one profile in an ENT). So:

* a row whose total comes from 1 or 2 distinct visitors is hidden entirely;
* a profile cell from 1 or 2 distinct visitors is hidden (visits and visitors together), and
  if it is the row's only hidden profile cell, the smallest other non-empty one is hidden too,
  so that no published total minus published cells gives a hidden cell back;
* the mobile share is hidden when the mobile visits, or the other devices' visits (its
  complement to 100 %), may come from fewer than 3 distinct visitors.

Nothing else is published that sums rows (no column totals), so the row is the only relation
an attacker can use; `recoverable_cells` checks exactly that, and the tests use it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from reports.composition.secrecy import THRESHOLD, CellCount, is_primary, suppressed

# Profile ids of the national tagging guide → column suffix.
PROFILE_COLUMNS = MappingProxyType(
    {
        "1": "eleves",
        "2": "enseignants",
        "3": "parents",
        "4": "personnels_etablissement",
        "6": "autres",
        "7": "personnels_collectivites",
    }
)


@dataclass(frozen=True)
class Count:
    visits: int = 0
    unique_visitors: int = 0


@dataclass(frozen=True)
class WeekFigures:
    """What measure says of one establishment over one week, before secrecy."""

    uai: str
    name: str
    commune: str
    academie: str
    visits: int
    unique_visitors: int
    page_views: int
    profiles: Mapping[str, Count]  # every key of PROFILE_COLUMNS
    devices: Mapping[str, Count] = field(default_factory=dict)


@dataclass(frozen=True)
class PublishedRow:
    """A row as published: None where secrecy hides the value."""

    uai: str
    name: str
    commune: str
    academie: str
    visits: int | None
    unique_visitors: int | None
    page_views: int | None
    mobile_share: float | None
    profiles: Mapping[str, tuple[int | None, int | None]]  # key → (visits, unique visitors)
    hidden_cells: int


def _mobile_share(row: WeekFigures, threshold: int) -> tuple[float | None, bool]:
    """(share, hidden): no share without device figures; hidden when secrecy says so."""
    mobile = row.devices.get("mobile", Count())
    others = [c for k, c in row.devices.items() if k != "mobile" and c.visits]
    total = mobile.visits + sum(c.visits for c in others)
    if total == 0:
        return None, False
    # Distinct visitors of the other devices are at least their largest count: below the
    # threshold, they may be fewer than it.
    others_few = bool(others) and max(c.unique_visitors for c in others) < threshold
    if is_primary(mobile.unique_visitors, threshold) or others_few:
        return None, True
    return round(mobile.visits / total, 4), False


def protect(row: WeekFigures, *, threshold: int = THRESHOLD) -> PublishedRow:
    keys = list(PROFILE_COLUMNS)
    counts = [row.profiles.get(k, Count()) for k in keys]
    if is_primary(row.unique_visitors, threshold):
        return PublishedRow(
            uai=row.uai,
            name=row.name,
            commune=row.commune,
            academie=row.academie,
            visits=None,
            unique_visitors=None,
            page_views=None,
            mobile_share=None,
            profiles={k: (None, None) for k in keys},
            hidden_cells=4 + 2 * len(keys),
        )
    hidden = suppressed(
        [CellCount(c.unique_visitors, c.visits) for c in counts],
        threshold=threshold,
        total_published=True,
    )
    share, share_hidden = _mobile_share(row, threshold)
    profiles = {
        k: (None, None) if i in hidden else (c.visits, c.unique_visitors)
        for i, (k, c) in enumerate(zip(keys, counts, strict=True))
    }
    return PublishedRow(
        uai=row.uai,
        name=row.name,
        commune=row.commune,
        academie=row.academie,
        visits=row.visits,
        unique_visitors=row.unique_visitors,
        page_views=row.page_views,
        mobile_share=share,
        profiles=profiles,
        hidden_cells=2 * len(hidden) + share_hidden,
    )


def recoverable_cells(row: PublishedRow) -> list[str]:
    """Hidden profile cells that the row's published totals would give back by difference
    (a relation with a single unknown). Empty when secrecy holds."""
    found = []
    for position, total in ((0, row.visits), (1, row.unique_visitors)):
        if total is None:
            continue
        unknown = [k for k, cell in row.profiles.items() if cell[position] is None]
        if len(unknown) == 1:
            found.append(f"{unknown[0]}[{position}]")
    return found


def protect_all(rows: Sequence[WeekFigures], *, threshold: int = THRESHOLD) -> list[PublishedRow]:
    return [protect(r, threshold=threshold) for r in sorted(rows, key=lambda r: r.uai)]
