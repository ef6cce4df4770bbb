"""Group commit: small batches share a transaction.

A browser tag's hit, or an ENT posting hits one at a time, would otherwise cost a transaction
and a commit each. While one group's transaction runs, the next requests' hits gather; they go
in together when it ends. Requests already on their way (being checked, `on_the_way`) are
waited for a few milliseconds before a transaction starts, so that under load a transaction
takes a dozen requests rather than two or three — a lone request is not kept waiting. Each
request is answered with its own hits' statuses, once the transaction holding them has
committed — nothing is acknowledged before it is durable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from measure.hits.prepare import PreparedHit

Write = Callable[[list[PreparedHit], datetime], Awaitable[list[str]]]
# A request's hits, its time, and where its statuses go once committed.
Waiting = tuple[list[PreparedHit], datetime, "asyncio.Future[list[str]]"]


class Arrival:
    """A request on its way to `submit`: the group waits for it (briefly) until it is there."""

    def __init__(self, group: GroupCommit) -> None:
        self._group: GroupCommit | None = group
        group._coming += 1

    def done(self) -> None:
        if self._group is not None:
            self._group._coming -= 1
            self._group._changed.set()
            self._group = None


class GroupCommit:
    def __init__(self, write: Write, *, max_hits: int = 2000, gather_seconds: float = 0.0) -> None:
        self._write = write
        self._max_hits = max_hits
        self._gather_seconds = gather_seconds
        self._waiting: list[Waiting] = []
        self._draining: asyncio.Task[None] | None = None
        self._coming = 0
        self._changed = asyncio.Event()

    @contextmanager
    def on_the_way(self) -> Iterator[Arrival]:
        """Around a request's checks: the next transaction may wait for its hits."""
        arrival = Arrival(self)
        try:
            yield arrival
        finally:
            arrival.done()

    async def submit(
        self, hits: list[PreparedHit], now: datetime, arrival: Arrival | None = None
    ) -> list[str]:
        """The statuses of `hits` (as `store` gives them), after their commit."""
        answer: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()
        self._waiting.append((hits, now, answer))
        if arrival is not None:
            arrival.done()
        self._changed.set()
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain(), name="measure-group-commit")
        return await answer

    def _waiting_hits(self) -> int:
        return sum(len(entry[0]) for entry in self._waiting)

    async def _gather(self) -> None:
        """Wait, at most `gather_seconds`, while requests on their way may still join."""
        if self._gather_seconds <= 0:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._gather_seconds
        while self._coming and self._waiting_hits() < self._max_hits:
            left = deadline - loop.time()
            if left <= 0:
                return
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                return

    def _next_group(self) -> list[Waiting]:
        group: list[Waiting] = []
        size = 0
        while self._waiting and (not group or size + len(self._waiting[0][0]) <= self._max_hits):
            entry = self._waiting.pop(0)
            group.append(entry)
            size += len(entry[0])
        return group

    async def _drain(self) -> None:
        while self._waiting:
            await self._gather()
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
