"""PostgreSQL statements that take a whole batch as a few array parameters, run on the
session's own psycopg connection (in its transaction).

Arrays are passed as text literals (`'{"a","b"}'`, cast in the statement): building one is a
string join, where adapting a Python list element by element costs several times more on a
1,000-row batch; and the statement is the same whatever the batch's size, so PostgreSQL
plans it once per connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import PoolProxiedConnection


def text_array(values: Iterable[str]) -> str:
    """A PostgreSQL array literal of `values`, each quoted (backslash and quote escaped)."""
    items = list(values)
    if not items:
        return "{}"
    # Most batches hold no quote or backslash: one join and one replace, in C, instead of a
    # test per value. NUL separates them meanwhile: PostgreSQL text cannot hold it, so a value
    # carrying one (the count tells) takes the quoting path and is refused by the server.
    joined = "\x00".join(items)
    if '"' not in joined and "\\" not in joined and joined.count("\x00") == len(items) - 1:
        return '{"' + joined.replace("\x00", '","') + '"}'
    return (
        "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in items) + "}"
    )


def int_array(values: Iterable[int]) -> str:
    """A PostgreSQL array literal of integers."""
    return "{" + ",".join(map(str, values)) + "}"


async def pooled_connection(session: AsyncSession) -> PoolProxiedConnection:
    """The session's connection as the pool holds it: its `info` lasts as long as the
    database connection itself."""
    connection = await session.connection()
    return await connection.get_raw_connection()


async def driver_connection(session: AsyncSession) -> Any:
    """The session's own psycopg connection, in the session's transaction."""
    driver = (await pooled_connection(session)).driver_connection
    assert driver is not None
    return driver


async def fetch(
    session: AsyncSession, sql: str, params: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """Run `sql` (psycopg `%(name)s` placeholders) on the session's connection; its rows."""
    driver = await driver_connection(session)
    async with driver.cursor() as cursor:
        await cursor.execute(sql, params, prepare=True)
        return await cursor.fetchall() if cursor.description else []
