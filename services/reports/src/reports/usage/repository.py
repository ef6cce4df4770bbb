"""Queries of the usage outbox."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlmodel import and_, col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from reports.usage.models import UsageOutbox, UsageStatus


async def due(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    include_failed: bool,
    skip: Collection[int] = (),
) -> Sequence[UsageOutbox]:
    """Rows to deliver now, oldest first. On PostgreSQL the rows are locked and rows another
    replica is delivering are skipped; SQLite has a single writer and needs neither."""
    pending = and_(
        col(UsageOutbox.status) == UsageStatus.pending, col(UsageOutbox.next_attempt_at) <= now
    )
    failed = col(UsageOutbox.status) == UsageStatus.failed
    wanted = or_(pending, failed) if include_failed else pending
    query = select(UsageOutbox).where(wanted)
    if skip:
        query = query.where(col(UsageOutbox.id).not_in(list(skip)))
    query = query.order_by(col(UsageOutbox.id)).limit(limit).with_for_update(skip_locked=True)
    return (await session.exec(query)).all()
