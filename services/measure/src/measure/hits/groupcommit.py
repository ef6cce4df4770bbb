"""Group commit: small batches share a transaction.

A browser tag's hit, or an ENT posting hits one at a time, would otherwise cost a transaction
and a commit each. While one group's transaction runs, the next requests' hits gather; they go
in together when it ends. Each request is answered with its own hits' statuses, once the
transaction holding them has committed — nothing is acknowledged before it is durable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

from measure.hits.prepare import PreparedHit

Write = Callable[[list[PreparedHit], datetime], Awaitable[list[str]]]


class GroupCommit:
    def __init__(self, write: Write, *, max_hits: int = 2000) -> None:
        self._write = write
        self._max_hits = max_hits
        self._waiting: list[tuple[list[PreparedHit], datetime, asyncio.Future[list[str]]]] = []
        self._draining: asyncio.Task[None] | None = None

    async def submit(self, hits: list[PreparedHit], now: datetime) -> list[str]:
        """The statuses of `hits` (as `store` gives them), after their commit."""
        answer: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()
        self._waiting.append((hits, now, answer))
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain(), name="measure-group-commit")
        return await answer

    def _next_group(self) -> list[tuple[list[PreparedHit], datetime, asyncio.Future[list[str]]]]:
        group, size = [], 0
        while self._waiting and (not group or size + len(self._waiting[0][0]) <= self._max_hits):
            entry = self._waiting.pop(0)
            group.append(entry)
            size += len(entry[0])
        return group

    async def _drain(self) -> None:
        while self._waiting:
            group = self._next_group()
            hits = [h for entry in group for h in entry[0]]
            try:
                statuses = await self._write(hits, max(entry[1] for entry in group))
            except Exception as exc:  # every request of the group learns of it
                for _, _, answer in group:
                    if not answer.done():
                        answer.set_exception(exc)
                continue
            start = 0
            for entry_hits, _, answer in group:
                if not answer.done():  # a request whose client went away
                    answer.set_result(statuses[start : start + len(entry_hits)])
                start += len(entry_hits)
