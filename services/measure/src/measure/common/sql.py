"""Hand-written PostgreSQL statements that take whole columns as array parameters."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import TextClause, text


@lru_cache(maxsize=32)
def pg_arrays(sql: str) -> TextClause:
    """The statement, built once: SQLAlchemy and psycopg then reuse its compiled form."""
    return text(sql)
