"""Migrations-built test databases.

SQLite by default (a file per test session and xdist worker); PostgreSQL when
`GIP_TEST_DATABASE_URL` is set, with one database per service and worker, dropped and built
again from the migrations at the start of the run.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from gipkit.db import Database, make_engine, make_sync_engine, upgrade

TEST_DATABASE_ENV = "GIP_TEST_DATABASE_URL"


def _safe(name: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", name.lower())


def fresh_database_url(*, name: str, tmp_dir: Path) -> URL:
    """An empty database for `name`: a new SQLite file, or a re-created PostgreSQL database."""
    base = os.environ.get(TEST_DATABASE_ENV)
    if not base:
        path = tmp_dir / f"{_safe(name)}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return make_url(f"sqlite:///{path}")
    base_url = make_url(base)
    db_name = f"gip_test_{_safe(name)}"
    admin = make_sync_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    finally:
        admin.dispose()
    return base_url.set(database=db_name)


def migrated_database_url(*, name: str, migrations_dir: Path, tmp_dir: Path) -> URL:
    url = fresh_database_url(name=name, tmp_dir=tmp_dir)
    upgrade(migrations_dir, url)
    return url


@asynccontextmanager
async def rollback_database(url: URL) -> AsyncIterator[Database]:
    """A `Database` whose sessions all run inside one transaction that is rolled back at the
    end: each session's commit only releases a savepoint, so tests see their writes and leave
    nothing behind."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            outer = await conn.begin()
            maker = async_sessionmaker(
                bind=conn,
                class_=AsyncSession,
                expire_on_commit=False,
                join_transaction_mode="create_savepoint",
            )
            try:
                yield Database(engine, maker)
            finally:
                if outer.is_active:
                    await outer.rollback()
    finally:
        await engine.dispose()
