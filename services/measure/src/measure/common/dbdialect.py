"""The few statements whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from measure.common.sql import driver_connection


def is_postgres(session: AsyncSession) -> bool:
    bind = session.bind
    assert bind is not None  # every session here is made by a bound sessionmaker
    return bind.dialect.name == "postgresql"


def insert_ignoring_conflicts(session: AsyncSession, table: Table) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING` for the session's database."""
    module: Any = postgresql if is_postgres(session) else sqlite
    return module.insert(table).on_conflict_do_nothing()


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESCAPES) if ("\\" in value or not value.isprintable()) else value
    if isinstance(value, date):  # datetime included
        return value.isoformat()
    return str(value)


def copy_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """Rows in COPY's text format: built as one string, several times faster than handing
    psycopg the rows one by one."""
    return "".join("\t".join([_copy_field(row[c]) for c in columns]) + "\n" for row in rows)


def copy_line(fields: tuple[str, ...]) -> str:
    """One row of text fields in COPY's text format, newline included. Ids and codes need no
    escape, and free text reaches here without control characters (refused at the door): the
    join alone is the common case, the escapes are looked for in the joined line at once."""
    line = "\t".join(fields)
    if "\\" in line or "\n" in line or "\r" in line or line.count("\t") != len(fields) - 1:
        line = "\t".join([f.translate(_ESCAPES) for f in fields])
    return line + "\n"


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def bulk_insert(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """Many new rows: `COPY … FROM STDIN` on PostgreSQL (one round trip, no statement per
    row), multi-row INSERTs on SQLite. In the session's transaction either way."""
    if not rows:
        return
    columns = [c.name for c in table.columns]
    if is_postgres(session):
        driver = await driver_connection(session)
        async with driver.cursor() as cursor:
            statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
            async with cursor.copy(statement) as copy:
                for part in chunks(rows, 5000):
                    await copy.write(copy_text(part, columns))
        return
    for part in chunks(rows, 500):
        await session.execute(insert(table), part)
