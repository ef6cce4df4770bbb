"""The delivery loop: an app background loop (gipkit.background) that sends queued usage to
billing.

It wakes every `usage_delivery_interval_seconds`, or at once when a request has queued usage
(`nudge`, run after the answer, i.e. after the commit). Every replica runs one; rows are
claimed with SKIP LOCKED on PostgreSQL and billing de-duplicates by key anyway.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

from gipkit.background import BackgroundLoop
from reports.settings import Settings
from reports.usage.service import DeliveryPolicy, deliver_due

log = logging.getLogger("reports.usage")


def policy_from(settings: Settings) -> DeliveryPolicy:
    return DeliveryPolicy(
        batch_size=settings.usage_batch_size,
        max_attempts=settings.usage_max_attempts,
        backoff_seconds=settings.usage_backoff_seconds,
        backoff_max_seconds=settings.usage_backoff_max_seconds,
    )


def nudge(app: FastAPI) -> None:
    loop: BackgroundLoop | None = getattr(app.state, "usage_loop", None)
    if loop is not None:
        loop.nudge()


async def start(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    app.state.usage_loop = None
    if not settings.usage_delivery_enabled:
        return
    policy = policy_from(settings)

    async def one_pass() -> None:
        report = await deliver_due(db=app.state.db, clients=app.state.peers, policy=policy)
        if report.delivered or report.failed:
            log.info(
                "usage delivered: %d, retrying: %d, failed: %d",
                report.delivered,
                report.retrying,
                report.failed,
            )

    app.state.usage_loop = BackgroundLoop(
        "usage-delivery", one_pass, interval=settings.usage_delivery_interval_seconds, log=log
    )
    app.state.usage_loop.start()


async def stop(app: FastAPI) -> None:
    loop: BackgroundLoop | None = getattr(app.state, "usage_loop", None)
    if loop is not None:
        await loop.stop()
