"""The delivery loop: an app background task that sends queued usage to billing.

It wakes every `usage_delivery_interval_seconds`, or at once when a request has queued usage
(`nudge`, run after the answer, i.e. after the commit). Every replica runs one; rows are
claimed with SKIP LOCKED on PostgreSQL and billing de-duplicates by key anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import FastAPI

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
    wakeup: asyncio.Event | None = getattr(app.state, "usage_wakeup", None)
    if wakeup is not None:
        wakeup.set()


async def _run(app: FastAPI, settings: Settings, wakeup: asyncio.Event) -> None:
    policy = policy_from(settings)
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wakeup.wait(), timeout=settings.usage_delivery_interval_seconds)
        wakeup.clear()
        try:
            report = await deliver_due(db=app.state.db, clients=app.state.peers, policy=policy)
        except Exception:  # the loop must outlive a bad pass (database restarting…)
            log.exception("usage delivery pass failed")
            continue
        if report.delivered or report.failed:
            log.info(
                "usage delivered: %d, retrying: %d, failed: %d",
                report.delivered,
                report.retrying,
                report.failed,
            )


async def start(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    app.state.usage_wakeup = asyncio.Event()
    app.state.usage_task = None
    if settings.usage_delivery_enabled:
        app.state.usage_task = asyncio.create_task(
            _run(app, settings, app.state.usage_wakeup), name="usage-delivery"
        )


async def stop(app: FastAPI) -> None:
    task: asyncio.Task[None] | None = getattr(app.state, "usage_task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
