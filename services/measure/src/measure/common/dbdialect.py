"""The few statements whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def is_postgres(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


def insert_ignoring_conflicts(session: AsyncSession, table: Table) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING` for the session's database."""
    module: Any = postgresql if is_postgres(session) else sqlite
    return module.insert(table).on_conflict_do_nothing()


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
