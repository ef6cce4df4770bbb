"""Method v1, as pure functions over one visitor's stored hits (DESIGN.md §3 measure).

* page view = one hit, dated by its own time (Europe/Paris day and hour);
* visit = consecutive hits of one visitor in one project with no gap over 30 minutes, dated
  by its first hit;
* a visit counts once in each value of a dimension it touches (service, profile, device, OS,
  inside/outside, establishment), so breakdowns may add up to more than the total;
* unique visitors = distinct pseudonyms having at least one hit in the period.

`facts()` turns a visitor's hits into its share of the figures per day, establishment and
dimension value; the rollup adds the shares up (measure.rollup). The tests check it against
an independent computation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from measure.common.clock import paris

METHOD_VERSION = "v1"
VISIT_GAP = timedelta(minutes=30)
ALL_UAI = "*"
ALL = "all"
HOUR = "hour"
# The dimensions a visit is counted in once per value it touches (besides `hour`).
DIMENSIONS = ("service", "profile", "device", "os", "inside")

FactKey = tuple[date, str, str, str]  # (Paris day, uai or "*", dimension, value)


@dataclass(frozen=True, slots=True)
class VisitorHit:
    ts: datetime
    uai: str
    profile: str
    service: str
    device: str
    os: str
    inside: str

    def value(self, dimension: str) -> str:
        return str(getattr(self, dimension))


def cut_visits(hits: Sequence[VisitorHit]) -> list[list[VisitorHit]]:
    """Visits of one visitor; `hits` sorted by time. A gap of exactly 30 minutes continues."""
    visits: list[list[VisitorHit]] = []
    for hit in hits:
        if visits and hit.ts - visits[-1][-1].ts <= VISIT_GAP:
            visits[-1].append(hit)
        else:
            visits.append([hit])
    return visits


def _touch(counts: dict[FactKey, list[int]], key: FactKey, slot: int) -> None:
    row = counts.get(key)
    if row is None:
        row = counts[key] = [0, 0]
    row[slot] += 1


def facts(hits: Iterable[VisitorHit]) -> dict[FactKey, tuple[int, int]]:
    """(visits, page_views) of one visitor per day, establishment scope and dimension value."""
    ordered = sorted(hits, key=lambda h: h.ts)
    counts: dict[FactKey, list[int]] = {}
    for visit in cut_visits(ordered):
        start = paris(visit[0].ts)
        day, hour = start.date(), f"{start.hour:02d}"
        for scope in (ALL_UAI, *sorted({h.uai for h in visit})):
            inside = visit if scope == ALL_UAI else [h for h in visit if h.uai == scope]
            _touch(counts, (day, scope, ALL, ""), 0)
            _touch(counts, (day, scope, HOUR, hour), 0)
            for dimension in DIMENSIONS:
                for value in {h.value(dimension) for h in inside}:
                    _touch(counts, (day, scope, dimension, value), 0)
    for hit in ordered:
        local = paris(hit.ts)
        day, hour = local.date(), f"{local.hour:02d}"
        for scope in (ALL_UAI, hit.uai):
            _touch(counts, (day, scope, ALL, ""), 1)
            _touch(counts, (day, scope, HOUR, hour), 1)
            for dimension in DIMENSIONS:
                _touch(counts, (day, scope, dimension, hit.value(dimension)), 1)
    return {key: (v, p) for key, (v, p) in counts.items()}
