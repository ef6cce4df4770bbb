"""Synthetic hits of ENT projects, as their platforms would send them, seeded: the same
arguments give the same hits (and the same event ids, so a reload counts nothing twice)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from measure.common.clock import PARIS, days
from measure.demo.shapes import DEVICES, HOURS, PROFILES, SERVICES, day_weight


@dataclass(frozen=True)
class DemoProject:
    site_id: str
    uais: Sequence[str]
    people: int  # how many persons use it


def _pick(rng: random.Random, table: Sequence[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


@dataclass(frozen=True)
class _Person:
    user: str
    uai: str
    profile: str
    user_agent: str
    assiduity: float  # chance of a visit on an ordinary school day


def _people(project: DemoProject, seed: int) -> list[_Person]:
    rng = random.Random(f"{seed}:{project.site_id}:people")
    return [
        _Person(
            user=f"{project.site_id}-{i:06d}",
            uai=rng.choice(list(project.uais)),
            profile=_pick(rng, PROFILES),
            user_agent=_pick(rng, DEVICES),
            assiduity=min(0.9, rng.betavariate(2, 4)),
        )
        for i in range(project.people)
    ]


def hits(
    project: DemoProject, first: date, last: date, *, seed: int = 2013, growth: float = 1.0
) -> Iterator[dict[str, Any]]:
    """Every hit of the project from `first` to `last` (Paris days), in time order per day.
    `growth` scales the number of visits (the previous year is lighter)."""
    people = _people(project, seed)
    hour_choices = list(range(24))
    for day in days(first, last):
        rng = random.Random(f"{seed}:{project.site_id}:{day.isoformat()}")
        weight = day_weight(day) * growth
        for person in people:
            if rng.random() >= person.assiduity * weight:
                continue
            hour = rng.choices(hour_choices, weights=HOURS)[0]
            moment = datetime(day.year, day.month, day.day, hour, tzinfo=PARIS) + timedelta(
                minutes=rng.randrange(60), seconds=rng.randrange(60)
            )
            for n in range(rng.choice((1, 2, 2, 3, 3, 4, 5, 6, 8))):
                service = _pick(rng, SERVICES)
                event = hashlib.sha256(f"{project.site_id}|{person.user}|{moment}|{n}".encode())
                yield {
                    "event_id": event.hexdigest()[:32],
                    "ts": moment.isoformat(),
                    "site": project.site_id,
                    "uai": person.uai,
                    "user": person.user,
                    "profile": person.profile,
                    "service": service,
                    "page": f"/{service or 'accueil'}",
                    "user_agent": person.user_agent,
                    "inside": hour in range(8, 17) and day.weekday() < 5 and rng.random() < 0.6,
                }
                moment += timedelta(seconds=rng.randrange(20, 400))
