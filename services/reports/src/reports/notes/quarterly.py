"""The quarter's notes of every subscriber (`python -m reports generate-quarter`).

Subscribers are billing's subscriptions to the notes option in the quarter's year: a member
(its `member:` note) or one of its projects (its `project:` note). A scope that already has a
note of the quarter is left alone, so running the command twice creates nothing twice; a
subscription that does not cover the quarter's end is skipped (billing says so).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from gipkit.db import Database
from gipkit.errors import Forbidden, GipError, NotFound
from gipkit.http import PeerError
from reports import peers
from reports.common.periods import Period
from reports.common.scopes import Scope
from reports.notes import repository, service
from reports.runtime import service_principal
from reports.settings import Settings

log = logging.getLogger("reports.quarterly")


@dataclass
class QuarterReport:
    quarter: str
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    not_entitled: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def subscriber_scopes(subscriptions: list[peers.Subscription]) -> list[Scope]:
    scopes = {
        f"project:{s.project}" if s.project else f"member:{s.member}"
        for s in subscriptions
        if s.status not in ("cancelled",)
    }
    return [Scope.parse(s) for s in sorted(scopes)]


async def generate_quarter(
    *, db: Database, clients: peers.Peers, quarter: Period, settings: Settings, today: date
) -> QuarterReport:
    report = QuarterReport(quarter=quarter.label)
    subscriptions = await peers.subscriptions(
        clients, prestation=settings.notes_prestation, year=quarter.start.year
    )
    principal = service_principal(settings)
    for scope in subscriber_scopes(subscriptions):
        name = str(scope)
        async with db.sessionmaker() as session:
            exists = await repository.exists_for(session, scope=name, period_label=quarter.label)
        if exists:
            report.existing.append(name)
            continue
        # Reads then writes (once measure has answered): a write session, as requests use.
        async with db.write_session() as session:
            try:
                generated = await service.generate(
                    session=session,
                    clients=clients,
                    principal=principal,
                    scope=scope,
                    period=quarter,
                    settings=settings,
                    today=today,
                    trigger="quarterly",
                )
                await session.commit()
            except (Forbidden, NotFound) as exc:
                await session.rollback()
                report.not_entitled.append(name)
                log.info("no %s note for %s: %s", quarter.label, name, exc)
                continue
            except (PeerError, GipError) as exc:
                await session.rollback()
                report.failed[name] = str(exc)
                log.warning("%s note for %s failed: %s", quarter.label, name, exc)
                continue
        (report.created if generated.created else report.existing).append(name)
    return report
