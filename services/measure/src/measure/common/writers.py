"""Taking turns to write, within one process.

SQLite has one writer at a time: this process's writers queue on an asyncio lock rather than
on the database's busy timeout. PostgreSQL needs no such turn (row locks and per-project
advisory locks do the work), so there `turn()` lets everyone through at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from gipkit.db import Database


class Writers:
    def __init__(self, *, serialise: bool) -> None:
        self._lock = asyncio.Lock() if serialise else None

    @classmethod
    def for_database(cls, db: Database) -> Writers:
        return cls(serialise=db.engine.dialect.name == "sqlite")

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        if self._lock is None:
            yield
            return
        async with self._lock:
            yield
