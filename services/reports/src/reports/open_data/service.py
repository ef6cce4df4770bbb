"""Publishing a closed week of open data, once; describing what was published."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from gipkit.errors import BadGateway, Conflict
from gipkit.french import day as day_fr
from gipkit.types import utcnow
from reports import peers
from reports.common.pagination import Page, PageRequest, next_cursor
from reports.common.periods import Week
from reports.open_data import files, gather, repository, secrecy
from reports.open_data.models import OpenDataFile, OpenDataRelease
from reports.open_data.schemas import FilePublic, ReleasePublic

BASE_PATH = "/api/v1/open-data"


@dataclass(frozen=True)
class Published:
    release: OpenDataRelease
    created: bool


def is_closed(week: Week, *, today: date, delay_days: int) -> bool:
    """Closed: its Sunday is over, and late hits have had `delay_days` more to arrive."""
    return week.end + timedelta(days=delay_days) < today


async def publish(
    *,
    session: AsyncSession,
    clients: peers.Peers,
    week: Week,
    published_by: str,
    today: date,
    delay_days: int,
    concurrency: int,
    threshold: int,
) -> Published:
    """Publish `week` once; publishing it again answers what was published (unchanged)."""
    existing = await repository.by_week(session, week.label)
    if existing is not None:
        return Published(existing, created=False)
    if not is_closed(week, today=today, delay_days=delay_days):
        raise Conflict(
            f"week {week.label} is not closed yet: it can be published from "
            f"{(week.end + timedelta(days=delay_days + 1)).isoformat()}",
            fr=(
                f"la semaine {week.label} n'est pas encore close : elle se publie à partir du "
                f"{day_fr(week.end + timedelta(days=delay_days + 1))}"
            ),
        )
    try:
        gathered = await gather.gather(clients=clients, week=week, concurrency=concurrency)
    except ValueError as exc:
        raise BadGateway(f"measure answered figures that do not make one table: {exc}") from exc
    rows = secrecy.protect_all(gathered.rows, threshold=threshold)
    now = utcnow()
    cutoff = gathered.data_cutoff or now
    built = files.build(
        week=week,
        rows=rows,
        published_at=now,
        method_version=gathered.method_version,
        data_cutoff=cutoff,
    )
    release = OpenDataRelease(
        week=week.label,
        week_start=week.start,
        rows=len(rows),
        suppressed_cells=sum(r.hidden_cells for r in rows),
        method_version=gathered.method_version,
        data_cutoff=cutoff,
        published_by=published_by[:255],
        published_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(release)
            await session.flush()
            assert release.id is not None
            for f in built:
                session.add(
                    OpenDataFile(
                        release_id=release.id,
                        name=f.name,
                        media_type=f.media_type,
                        sha256=f.sha256,
                        size=len(f.content),
                        content=f.content,
                    )
                )
            await session.flush()
    except IntegrityError:
        # Published by a concurrent request meanwhile: that publication stands.
        existing = await repository.by_week(session, week.label)
        if existing is None:
            raise
        return Published(existing, created=False)
    return Published(release, created=True)


async def public(session: AsyncSession, release: OpenDataRelease) -> ReleasePublic:
    assert release.id is not None
    week = Week(release.week_start)
    base = f"{BASE_PATH}/{release.week}"
    listed = await repository.files(session, release.id)
    return ReleasePublic(
        week=release.week,
        week_start=week.start,
        week_end=week.end,
        rows=release.rows,
        suppressed_cells=release.suppressed_cells,
        method_version=release.method_version,
        data_cutoff=release.data_cutoff,
        published_at=release.published_at,
        datapackage=f"{base}/{files.DATAPACKAGE}",
        files=[
            FilePublic(
                name=f.name,
                media_type=f.media_type,
                size=f.size,
                sha256=f.sha256,
                href=f"{base}/{f.name}",
            )
            for f in listed
        ],
    )


async def page(*, session: AsyncSession, request: PageRequest) -> Page[ReleasePublic]:
    rows = await repository.page(session, request)
    keys = [r.id or 0 for r in rows]
    return Page(
        items=[await public(session, r) for r in rows[: request.limit]],
        next_cursor=next_cursor(keys, request),
    )
