"""The rollup job as an app background task: it wakes when an ingestion has committed
(`nudge`) or every `rollup_interval_seconds` (marks left by other processes), and catches up."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import FastAPI

from measure.rollup.job import catch_up
from measure.settings import Settings

log = logging.getLogger("measure.rollup")


def nudge(app: FastAPI) -> None:
    wakeup: asyncio.Event | None = getattr(app.state, "rollup_wakeup", None)
    if wakeup is not None:
        wakeup.set()


async def _run(app: FastAPI, settings: Settings, wakeup: asyncio.Event) -> None:
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wakeup.wait(), timeout=settings.rollup_interval_seconds)
        wakeup.clear()
        try:
            done = await catch_up(
                app.state.db, batch=settings.rollup_batch_marks, writers=app.state.writers
            )
        except Exception:  # the loop must outlive a bad pass (database restarting…)
            log.exception("rollup pass failed")
            continue
        if done:
            log.info("rollup: %d visitor-days recomputed", done)


async def start(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    app.state.rollup_wakeup = asyncio.Event()
    app.state.rollup_task = None
    if settings.rollup_in_process and not settings.rollup_inline:
        app.state.rollup_task = asyncio.create_task(
            _run(app, settings, app.state.rollup_wakeup), name="rollup"
        )


async def stop(app: FastAPI) -> None:
    task: asyncio.Task[None] | None = getattr(app.state, "rollup_task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
