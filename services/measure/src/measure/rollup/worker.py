"""The rollup job as an app background loop (gipkit.background): woken when an ingestion has
committed (`nudge`) or every `rollup_interval_seconds` (marks left by other processes)."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from gipkit.background import BackgroundLoop
from measure.rollup.job import catch_up
from measure.settings import Settings

log = logging.getLogger("measure.rollup")


def nudge(app: FastAPI) -> None:
    loop: BackgroundLoop | None = getattr(app.state, "rollup_loop", None)
    if loop is not None:
        loop.nudge()


async def start(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    app.state.rollup_loop = None
    if not settings.rollup_in_process or settings.rollup_inline:
        return

    async def one_pass() -> None:
        done = await catch_up(
            app.state.db, batch=settings.rollup_batch_marks, writers=app.state.writers
        )
        if done:
            log.info("rollup: %d marks worked off", done)

    app.state.rollup_loop = BackgroundLoop(
        "rollup", one_pass, interval=settings.rollup_interval_seconds, log=log
    )
    app.state.rollup_loop.start()


async def stop(app: FastAPI) -> None:
    loop: BackgroundLoop | None = getattr(app.state, "rollup_loop", None)
    if loop is not None:
        await loop.stop()
