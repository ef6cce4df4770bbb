"""A service's background loop: a task that runs one pass when nudged (a request has just
committed work for it) or every `interval` seconds (work left by other processes), and
outlives a pass that fails (the database restarting, a peer down)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable


class BackgroundLoop:
    def __init__(
        self,
        name: str,
        run_pass: Callable[[], Awaitable[object]],
        *,
        interval: float,
        log: logging.Logger,
    ) -> None:
        self.name = name
        self._run_pass = run_pass
        self._interval = interval
        self._log = log
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    def nudge(self) -> None:
        self._wakeup.set()

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._interval)
            self._wakeup.clear()
            try:
                await self._run_pass()
            except Exception:  # the loop must outlive a bad pass
                self._log.exception("%s: pass failed", self.name)
