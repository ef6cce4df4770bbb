"""Database plumbing: engines from a URL (SQLite or PostgreSQL), the request session, Alembic.

SQLite is the zero-install default (WAL so readers do not block the writer, foreign keys on,
as PostgreSQL enforces them); PostgreSQL runs through psycopg 3 in CI and production.
Migrations are the only way a schema is created, tests included.

SQLite has one writer at a time, and a transaction that has read cannot start writing once
another connection has committed since its read: its write fails at once with "database is
locked" (the busy timeout does not apply, waiting would not help). A request that reads and
then writes (a metered read queueing usage) therefore takes a *write session*
(`WriteSessionDep`, `Database.write_session`): on SQLite its transactions begin with
`BEGIN IMMEDIATE`, which takes the write lock with the first statement, so it never has to
upgrade and other writers wait for it (busy timeout) instead of failing. Plain sessions keep
`BEGIN` (deferred): reads take no lock, and a transaction whose first statement writes waits
for the lock too. PostgreSQL sessions are the same either way.
"""

from __future__ import annotations

import asyncio
import fcntl
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from alembic import command
from alembic.config import Config
from fastapi import Depends, Request
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession


def async_url(url: str | URL) -> URL:
    """The async-driver form of a database URL (aiosqlite / psycopg)."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return u.set(drivername="sqlite+aiosqlite")
    if u.get_backend_name() == "postgresql":
        return u.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database: {u.get_backend_name()}")


def sync_url(url: str | URL) -> URL:
    """The sync-driver form of a database URL (Alembic runs synchronously)."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return u.set(drivername="sqlite")
    if u.get_backend_name() == "postgresql":
        return u.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database: {u.get_backend_name()}")


def _ensure_sqlite_dir(url: URL) -> None:
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


# Execution option of a connection whose transactions must begin IMMEDIATE on SQLite.
SQLITE_IMMEDIATE = "gip_sqlite_immediate"

# How long a SQLite connection waits for the write lock before "database is locked". A write
# session holds it from its first statement to its commit, which can include a peer call and,
# for a note read as PDF, the first render of the process (loading matplotlib and WeasyPrint
# took about 7 s on a loaded CI machine); well under the gateway's 30 s read timeout.
SQLITE_BUSY_TIMEOUT_MS = 15_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The sqlite3 module's own implicit transactions break SAVEPOINT (used by nested
    # transactions and per-test rollback); SQLAlchemy emits BEGIN itself instead (below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get(SQLITE_IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _sqlite_events(engine: Engine) -> None:
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)


def make_engine(url: str | URL, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    u = async_url(url)
    _ensure_sqlite_dir(u)
    if u.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_async_engine(u, **kwargs)
    if u.get_backend_name() == "sqlite":
        _sqlite_events(engine.sync_engine)
    return engine


def make_sync_engine(url: str | URL, **kwargs: Any) -> Engine:
    u = sync_url(url)
    _ensure_sqlite_dir(u)
    engine = create_engine(u, **kwargs)
    if u.get_backend_name() == "sqlite":
        _sqlite_events(engine)
    return engine


@dataclass
class Database:
    """One service's database: its engine and session factories (kept on `app.state.db`).

    `write_sessionmaker` makes the sessions of work that reads and then writes: on SQLite
    every transaction of theirs begins IMMEDIATE (see the module's docstring). None: the same
    as `sessionmaker` (PostgreSQL; a test database whose sessions share one transaction)."""

    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    write_sessionmaker: async_sessionmaker[AsyncSession] | None = None

    @classmethod
    def from_url(cls, url: str | URL) -> Database:
        engine = make_engine(url)
        writer = None
        if engine.dialect.name == "sqlite":
            # The option rides on every connection of this engine's view, so every
            # transaction of such a session begins IMMEDIATE, a later one after a commit too,
            # and only when the session first needs the database (not at its creation).
            immediate = engine.execution_options(**{SQLITE_IMMEDIATE: True})
            writer = async_sessionmaker(immediate, class_=AsyncSession, expire_on_commit=False)
        return cls(
            engine,
            async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False),
            writer,
        )

    def write_session(self) -> AsyncSession:
        """A session for reading then writing; on SQLite it holds the write lock from its
        first statement to its commit (other writers wait for it)."""
        return (self.write_sessionmaker or self.sessionmaker)()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


@asynccontextmanager
async def _request_session(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    async with session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's session: committed when the endpoint returns, rolled back if it raises.

    Declared with scope="function" below so the commit happens before the answer is sent:
    what a client was told is stored, is stored.
    """
    db: Database = request.app.state.db
    async with _request_session(db.sessionmaker()) as session:
        yield session


async def get_write_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The session of a request that reads and then writes (`Database.write_session`),
    committed or rolled back like `get_session`'s."""
    db: Database = request.app.state.db
    async with _request_session(db.write_session()) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
# For endpoints that write after reading (on SQLite: BEGIN IMMEDIATE, see the module).
WriteSessionDep = Annotated[AsyncSession, Depends(get_write_session, scope="function")]


# --- Alembic ---------------------------------------------------------------------------------


def alembic_config(migrations_dir: str | Path, url: str | URL) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    # `%` would be read as interpolation by configparser.
    rendered = sync_url(url).render_as_string(hide_password=False).replace("%", "%%")
    cfg.set_main_option("sqlalchemy.url", rendered)
    return cfg


# Any constant shared by every replica of a service: replicas that start together (k8s init
# containers) take turns instead of racing to create the same tables.
_MIGRATION_LOCK_KEY = 0x6769_706D  # "gipm"


@contextmanager
def _sqlite_file_lock(url: URL) -> Iterator[None]:
    """SQLite has no advisory locks: an exclusive lock on a file beside the database."""
    database = url.database
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade(migrations_dir: str | Path, url: str | URL, revision: str = "head") -> None:
    """Apply the migrations of one service to `url`, synchronously (call it from a thread).

    Concurrent runs (replicas starting together) are serialised — an advisory lock on
    PostgreSQL, a file lock on SQLite — so the later ones find nothing left to do."""
    config = alembic_config(migrations_dir, url)
    u = sync_url(url)
    _ensure_sqlite_dir(u)
    engine = make_sync_engine(u)
    try:
        with ExitStack() as stack:
            if u.get_backend_name() == "sqlite":
                stack.enter_context(_sqlite_file_lock(u))
            conn = stack.enter_context(engine.connect())
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
                conn.commit()
                stack.callback(_pg_unlock, conn)
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
            conn.commit()
    finally:
        engine.dispose()


def _pg_unlock(conn: Connection) -> None:
    conn.rollback()
    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK_KEY})
    conn.commit()


async def upgrade_async(migrations_dir: str | Path, url: str | URL) -> None:
    await asyncio.to_thread(upgrade, migrations_dir, url)


def run_migrations(target_metadata: Any) -> None:
    """The body of every service's `migrations/env.py` (online mode, sync driver)."""
    from alembic import context

    config = context.config
    connection = config.attributes.get("connection")
    if connection is None:  # the alembic command line, not `upgrade()`
        engine = make_sync_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.connect() as connection:
            _configure_and_run(context, connection, target_metadata)
            connection.commit()
        engine.dispose()
    else:
        _configure_and_run(context, connection, target_metadata)


def _configure_and_run(context: Any, connection: Any, target_metadata: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
