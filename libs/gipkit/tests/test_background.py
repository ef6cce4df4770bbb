import asyncio
import logging

import pytest

from gipkit.background import BackgroundLoop

pytestmark = pytest.mark.anyio
log = logging.getLogger("test.background")


class Passes:
    """Counts passes; `reached(n)` waits (bounded) until n have run."""

    def __init__(self, fail_first: bool = False) -> None:
        self.count = 0
        self.fail_first = fail_first
        self._changed = asyncio.Event()

    async def __call__(self) -> None:
        self.count += 1
        self._changed.set()
        if self.fail_first and self.count == 1:
            raise RuntimeError("database restarting")

    async def reached(self, n: int) -> None:
        async with asyncio.timeout(5):
            while self.count < n:
                self._changed.clear()
                await self._changed.wait()


async def test_a_nudge_runs_a_pass_at_once_and_a_failing_pass_does_not_end_the_loop(caplog):
    passes = Passes(fail_first=True)
    loop = BackgroundLoop("test-loop", passes, interval=3600, log=log)
    loop.start()
    try:
        loop.nudge()
        await passes.reached(1)
        loop.nudge()  # the first pass failed: the loop still answers
        await passes.reached(2)
    finally:
        await loop.stop()
    assert "test-loop: pass failed" in caplog.text


async def test_without_a_nudge_a_pass_runs_every_interval_until_stopped():
    passes = Passes()
    loop = BackgroundLoop("test-loop", passes, interval=0.02, log=log)
    loop.start()
    await passes.reached(3)
    await loop.stop()
    count = passes.count
    await asyncio.sleep(0.1)
    assert passes.count == count  # stopped: no pass after
