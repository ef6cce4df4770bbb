"""Requests per minute and client address for the browser tag, in memory (a fixed one-minute
window per address: cheap, and enough to keep one browser from flooding a project). Addresses
live only here, for at most two minutes, and are never written anywhere."""

from __future__ import annotations

import time


class PerMinute:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._window = 0
        self._counts: dict[str, int] = {}

    def allow(self, address: str) -> tuple[bool, int]:
        """Whether `address` may go on, and the seconds until its window ends."""
        now = time.monotonic()
        window = int(now // 60)
        if window != self._window:
            self._window, self._counts = window, {}
        count = self._counts.get(address, 0) + 1
        self._counts[address] = count
        return count <= self.limit, max(1, int(60 - now % 60))
