"""Write sessions on SQLite: BEGIN IMMEDIATE, so a read-then-write never has to upgrade.

In WAL mode a deferred transaction that has read cannot write once another connection has
committed since its read ("database is locked" at once, whatever the busy timeout). A write
session takes the write lock with its first statement: other writers wait for it instead.
These tests use a SQLite file of their own whatever GIP_TEST_DATABASE_URL says (PostgreSQL
has no such lock); the last one checks that write sessions work on the test database too.
"""

import asyncio
import sqlite3

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from gipkit.db import (
    SQLITE_BUSY_TIMEOUT_MS,
    Database,
    SessionDep,
    WriteSessionDep,
    make_sync_engine,
)
from gipkit.testing.database import fresh_database_url

pytestmark = pytest.mark.anyio


@pytest.fixture
def sqlite_file(tmp_path):
    path = tmp_path / "locks.db"
    engine = make_sync_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO t (id, v) VALUES (1, 0)"))
    engine.dispose()
    return path


def other_writer(path, timeout: float = 0.0) -> sqlite3.Connection:
    """Another connection to the file, giving up on a busy lock after `timeout` seconds."""
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


def other_write(path, timeout: float = 0.0) -> None:
    conn = other_writer(path, timeout)
    try:
        conn.execute("UPDATE t SET v = v + 100 WHERE id = 1")  # autocommit
    finally:
        conn.close()


class Gate:
    """Holds a request between its read and its write until the test has done its part."""

    def __init__(self) -> None:
        self.read = asyncio.Event()
        self.release = asyncio.Event()


def gated_app(db: Database, gate: Gate) -> FastAPI:
    app = FastAPI()
    app.state.db = db

    async def read_then_write(session) -> dict[str, int]:
        seen = (await session.execute(text("SELECT v FROM t WHERE id = 1"))).scalar_one()
        gate.read.set()
        await gate.release.wait()
        await session.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": seen})
        return {"seen": seen}

    @app.post("/plain")
    async def plain(session: SessionDep) -> dict[str, int]:
        return await read_then_write(session)

    @app.post("/write")
    async def write(session: WriteSessionDep) -> dict[str, int]:
        return await read_then_write(session)

    return app


async def call(app: FastAPI, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post(path)


async def rows(db: Database) -> list[tuple[int, int]]:
    async with db.sessionmaker() as s:
        return [tuple(r) for r in (await s.execute(text("SELECT id, v FROM t ORDER BY id")))]


def test_busy_timeout_is_set_on_every_connection(sqlite_file):
    engine = make_sync_engine(f"sqlite:///{sqlite_file}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS
    engine.dispose()


async def test_a_write_session_holds_the_write_lock_from_its_first_statement(sqlite_file):
    db = Database.from_url(f"sqlite:///{sqlite_file}")
    gate = Gate()
    try:
        request = asyncio.create_task(call(gated_app(db, gate), "/write"))
        await asyncio.wait_for(gate.read.wait(), 30)
        # Between its read and its write, the request already holds the write lock: another
        # writer that will not wait is refused …
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other_write(sqlite_file)
        # … and one that waits gets it once the request has committed.
        waiting = asyncio.create_task(asyncio.to_thread(other_write, sqlite_file, 30.0))
        await asyncio.sleep(0.2)
        assert not waiting.done()
        gate.release.set()
        response = await request
        assert response.status_code == 200 and response.json() == {"seen": 0}
        await asyncio.wait_for(waiting, 30)
        assert await rows(db) == [(1, 100), (2, 0)]
    finally:
        await db.dispose()


async def test_a_plain_session_takes_no_lock_when_reading_so_it_cannot_write_after_a_commit(
    sqlite_file,
):
    """The failure write sessions exist for (SessionDep's behaviour is unchanged)."""
    db = Database.from_url(f"sqlite:///{sqlite_file}")
    gate = Gate()
    try:
        request = asyncio.create_task(call(gated_app(db, gate), "/plain"))
        await asyncio.wait_for(gate.read.wait(), 30)
        other_write(sqlite_file)  # not blocked: the request only read
        gate.release.set()
        with pytest.raises(OperationalError, match="database is locked"):
            await request  # its read is stale: it cannot write, and waiting would not help
        assert await rows(db) == [(1, 100)]
    finally:
        await db.dispose()


async def test_every_transaction_of_a_write_session_begins_immediate(sqlite_file):
    db = Database.from_url(f"sqlite:///{sqlite_file}")
    begins: list[str] = []

    def on_execute(conn, cursor, statement, *args):
        if statement.startswith("BEGIN"):
            begins.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", on_execute)
    try:
        async with db.write_session() as s:
            assert begins == []  # nothing is locked before the session needs the database
            await s.execute(text("SELECT v FROM t"))
            await s.commit()
            await s.execute(text("UPDATE t SET v = 1"))
            await s.commit()
        async with db.sessionmaker() as s:
            await s.execute(text("SELECT v FROM t"))
        assert begins == ["BEGIN IMMEDIATE", "BEGIN IMMEDIATE", "BEGIN"]
    finally:
        await db.dispose()


async def test_write_sessions_on_the_test_database(tmp_path, worker_id):
    """SQLite or PostgreSQL (GIP_TEST_DATABASE_URL): a write session reads and writes."""
    url = fresh_database_url(name=f"gipkit_write_{worker_id}", tmp_dir=tmp_path)
    db = Database.from_url(url)
    try:
        assert (db.write_sessionmaker is not None) == (url.get_backend_name() == "sqlite")
        async with db.write_session() as s:
            await s.execute(text("CREATE TABLE w (id INTEGER PRIMARY KEY)"))
            await s.commit()
        async with db.write_session() as s:
            assert (await s.execute(text("SELECT count(*) FROM w"))).scalar() == 0
            await s.execute(text("INSERT INTO w (id) VALUES (1)"))
            await s.commit()
        async with db.sessionmaker() as s:
            assert (await s.execute(text("SELECT count(*) FROM w"))).scalar() == 1
    finally:
        await db.dispose()
