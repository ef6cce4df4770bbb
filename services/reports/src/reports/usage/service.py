"""Usage metering: queue in the caller's transaction, deliver to billing later, once.

A generated note or a partner pull writes an outbox row in the same transaction as what it
meters, so usage is never lost nor invented. Delivery sends each row to billing with its
idempotency key (`note-<id>`, `pull-<id>`): if the answer is lost and the row is sent again,
billing recognises the key and counts it once. A billing that is down leaves the row pending
with a growing delay; a refusal (4xx) parks it as failed, to look at and resend by hand.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from gipkit.db import Database
from gipkit.http import PeerConflict, PeerError, PeerTimeout, PeerUnavailable
from gipkit.types import utcnow
from reports import peers
from reports.usage import repository
from reports.usage.models import UsageKind, UsageOutbox, UsageStatus

log = logging.getLogger("reports.usage")


@dataclass(frozen=True)
class DeliveryPolicy:
    batch_size: int = 100
    max_attempts: int = 30
    backoff_seconds: float = 10.0
    backoff_max_seconds: float = 3600.0

    def delay(self, attempts: int) -> timedelta:
        seconds = min(self.backoff_seconds * 2 ** max(attempts - 1, 0), self.backoff_max_seconds)
        return timedelta(seconds=seconds)


@dataclass(frozen=True)
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def enqueue(
    session: AsyncSession,
    *,
    kind: UsageKind,
    member: str,
    prestation: str,
    reference: str,
    occurred_at: datetime,
    key: str | None = None,
) -> UsageOutbox:
    """Add a usage row to `session` (committed with the caller's work, or not at all)."""
    if key is None:
        prefix = "note" if kind is UsageKind.note_generated else "pull"
        key = f"{prefix}-{uuid.uuid4().hex if kind is UsageKind.partner_pull else reference}"
    row = UsageOutbox(
        idempotency_key=key,
        kind=kind.value,
        member=member,
        prestation=prestation,
        reference=reference,
        occurred_at=occurred_at,
        next_attempt_at=occurred_at,
    )
    session.add(row)
    return row


def _transient(exc: PeerError) -> bool:
    # Down, slow, or a concurrent delivery of the same key in progress: try again later.
    # Anything else billing answered is a refusal that retrying will not change.
    return isinstance(exc, PeerUnavailable | PeerTimeout | PeerConflict) or (
        exc.status is not None and exc.status >= 500
    )


async def deliver_due(
    *,
    db: Database,
    clients: peers.Peers,
    policy: DeliveryPolicy,
    include_failed: bool = False,
    now: datetime | None = None,
) -> DeliveryReport:
    """Send every due row, one transaction per row (a crash loses at most one verdict, and
    that row is sent again and recognised by billing).

    On PostgreSQL the row stays locked while billing answers (replicas skip it). SQLite has
    a single writer: its read ends before billing is called, and the verdict is written in a
    transaction of its own, both in write sessions (BEGIN IMMEDIATE), so that neither fails
    on requests queueing usage meanwhile nor makes them wait on billing."""
    delivered = retrying = failed = 0
    seen: set[int] = set()
    moment = now or utcnow()
    single_writer = db.engine.dialect.name == "sqlite"
    while True:
        async with db.write_session() as session:
            rows = await repository.due(
                session, now=moment, limit=1, include_failed=include_failed, skip=seen
            )
            if not rows:
                break
            row = rows[0]
            assert row.id is not None
            seen.add(row.id)
            if single_writer:
                await session.commit()  # the row stays loaded (expire_on_commit=False)
            outcome = await _deliver(row, clients=clients, policy=policy, now=utcnow())
            session.add(row)
            await session.commit()
        delivered += outcome == UsageStatus.delivered
        retrying += outcome == UsageStatus.pending
        failed += outcome == UsageStatus.failed
        if len(seen) >= policy.batch_size:
            break
    return DeliveryReport(delivered=delivered, retrying=retrying, failed=failed)


async def _deliver(
    row: UsageOutbox, *, clients: peers.Peers, policy: DeliveryPolicy, now: datetime
) -> UsageStatus:
    row.attempts += 1
    try:
        await peers.record_usage(
            clients,
            idempotency_key=row.idempotency_key,
            member=row.member,
            prestation=row.prestation,
            kind=row.kind,
            quantity=row.quantity,
            occurred_at=row.occurred_at,
            reference=row.reference,
        )
    except PeerError as exc:
        row.last_error = str(exc)[:500]
        if _transient(exc) and row.attempts < policy.max_attempts:
            row.status = UsageStatus.pending
            row.next_attempt_at = now + policy.delay(row.attempts)
            log.info("usage %s not delivered, retrying later: %s", row.idempotency_key, exc)
        else:
            row.status = UsageStatus.failed
            log.warning("usage %s parked as failed: %s", row.idempotency_key, exc)
        return UsageStatus(row.status)
    row.status = UsageStatus.delivered
    row.delivered_at = now
    row.last_error = None
    return UsageStatus.delivered
