"""Method v1 computed the plain way, straight from the hits as sent: the independent reference
the property test holds the service to. It shares no code with measure."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
GAP = timedelta(minutes=30)


@dataclass(frozen=True)
class Sent:
    site: str
    user: str
    ts: datetime
    uai: str
    profile: str
    service: str
    inside: str
    device: str = "other"
    os: str = "unknown"

    @property
    def local(self) -> datetime:
        return self.ts.astimezone(PARIS)


def visits_of(hits: list[Sent]) -> list[list[Sent]]:
    """Every visit: per (site, user), hits in time order, a new visit after a gap over 30 min."""
    by_person: dict[tuple[str, str], list[Sent]] = defaultdict(list)
    for h in hits:
        by_person[(h.site, h.user)].append(h)
    found = []
    for person_hits in by_person.values():
        person_hits.sort(key=lambda h: h.ts)
        current = [person_hits[0]]
        for previous, h in itertools.pairwise(person_hits):
            if h.ts - previous.ts > GAP:
                found.append(current)
                current = []
            current.append(h)
        found.append(current)
    return found


def bucket(day: date, group_by: str | None) -> str:
    if group_by == "day":
        return day.isoformat()
    if group_by == "week":
        y, w, _ = day.isocalendar()
        return f"{y:04d}-W{w:02d}"
    if group_by == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return ""


def expected(
    hits: list[Sent],
    *,
    sites: set[str],
    uai: str | None,
    start: date,
    end: date,
    group_by: str | None,
) -> dict[str, tuple[int, int, int]]:
    """(visits, unique visitors, page views) per group key ("" = the totals)."""
    # `hits` are the events as generated, one per event id: replays are the service's business.
    mine = [h for h in hits if h.site in sites]
    visits: dict[str, int] = defaultdict(int)
    views: dict[str, int] = defaultdict(int)
    people: dict[str, set[tuple[str, str]]] = defaultdict(set)

    def keys_of(h: Sent) -> list[str]:
        if group_by in (None, "day", "week", "month"):
            return [bucket(h.local.date(), group_by)]
        if group_by == "hour":
            return [f"{h.local.hour:02d}"]
        return [str(getattr(h, group_by))]

    for visit in visits_of(mine):
        first = visit[0]
        if not start <= first.local.date() <= end:
            continue
        seen = [h for h in visit if uai is None or h.uai == uai]
        if not seen:
            continue
        if group_by in (None, "day", "week", "month", "hour"):
            keys = keys_of(first)
        else:
            keys = sorted({k for h in seen for k in keys_of(h)})
        for k in keys:
            visits[k] += 1
    for h in mine:
        if (uai is None or h.uai == uai) and start <= h.local.date() <= end:
            for k in keys_of(h):
                views[k] += 1
                people[k].add((h.site, h.user))
    return {k: (visits[k], len(people[k]), views[k]) for k in set(visits) | set(views)}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)
