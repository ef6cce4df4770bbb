"""SQLite: a metered read and the usage delivery both read then write, while the other commits.

In WAL mode a deferred transaction that has read cannot write once another connection has
committed: "database is locked" at once (a 500 for a partner's read of a note, a failed
delivery pass). Here the other commit is made to land exactly in between, on a SQLite file
of the test's own (not the per-test rollback connection, which has one transaction for all).
PostgreSQL has row locks and no such failure: these tests are SQLite's.
"""

import asyncio
import contextlib
import sqlite3
import threading

import httpx
import pytest
from reports_support import make_settings

from gipkit.db import Database, upgrade
from reports.main import create
from reports.usage.service import DeliveryPolicy, deliver_due

pytestmark = pytest.mark.anyio

HDS = "hauts-de-seine"
Q1 = {"scope": "member:hauts-de-seine", "period": "2026-Q1"}
# What the delivery loop commits: a verdict on the row of the generated note.
LOOP_UPDATE = "UPDATE usage_outbox SET attempts = attempts + 1 WHERE kind = 'note_generated'"


def partner(tokens):
    return tokens.headers(roles=["partner"], organization=HDS, client_id="demo-partner")


@pytest.fixture
def sqlite_path(migrations_dir, tmp_path):
    path = tmp_path / "reports.db"
    upgrade(migrations_dir, f"sqlite:///{path}")
    return path


@contextlib.asynccontextmanager
async def reports_app(path, tokens):
    app = create(make_settings())  # no delivery loop: the tests play its part
    app.state.db = Database.from_url(f"sqlite:///{path}")
    app.state.verifier = tokens.verifier()
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield app, client
    finally:
        await app.state.db.dispose()


class OtherWriter:
    """Another connection committing `statement` now; if the database is locked (by a write
    session), it waits for the lock in a thread instead, like the delivery loop would."""

    def __init__(self, path, statement: str) -> None:
        self.path, self.statement = path, statement
        self.refused_at_once = False
        self.waiter: threading.Thread | None = None
        self.error: BaseException | None = None

    def _commit(self, timeout: float) -> None:
        conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        try:
            conn.execute(self.statement)  # autocommit
        finally:
            conn.close()

    def _wait_and_commit(self) -> None:
        try:
            self._commit(timeout=30.0)
        except BaseException as exc:  # seen by the test through `join`
            self.error = exc

    def commit_now(self) -> None:
        try:
            self._commit(timeout=0.0)
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            self.refused_at_once = True
            self.waiter = threading.Thread(target=self._wait_and_commit)
            self.waiter.start()

    def join(self) -> None:
        if self.waiter is not None:
            self.waiter.join(30)
            assert not self.waiter.is_alive()
        if self.error is not None:
            raise self.error


def rows(path) -> list[tuple[str, int]]:
    conn = sqlite3.connect(path)
    try:
        query = "SELECT kind, attempts FROM usage_outbox ORDER BY id"
        return [(kind, attempts) for kind, attempts in conn.execute(query)]
    finally:
        conn.close()


async def test_a_partners_read_while_the_delivery_commits_is_answered_and_metered_once(
    sqlite_path, tokens, fake_peers, monkeypatch
):
    async with reports_app(sqlite_path, tokens) as (_app, client):
        created = await client.post("/api/v1/notes", json=Q1, headers=partner(tokens))
        assert created.status_code == 201, created.text
        assert rows(sqlite_path) == [("note_generated", 0)]

        # The read of the note: the note and its owners are read, then billing is asked for
        # the entitlement — when the delivery commits its verdict on the outbox — then the
        # pull is queued and committed.
        other = OtherWriter(sqlite_path, LOOP_UPDATE)
        entitlement = fake_peers.entitlement

        async def entitlement_then_the_loop_commits(*args, **kwargs):
            answer = await entitlement(*args, **kwargs)
            other.commit_now()
            return answer

        monkeypatch.setattr("reports.peers.entitlement", entitlement_then_the_loop_commits)
        url = f"/api/v1/notes/{created.json()['id']}"
        answer = await client.get(url, headers={**partner(tokens), "Accept": "application/json"})
        other.join()

        assert answer.status_code == 200, answer.text  # was 500 "database is locked"
        # The read held the write lock from its first statement: the other writer waited.
        assert other.refused_at_once
        assert rows(sqlite_path) == [("note_generated", 1), ("partner_pull", 0)]


async def test_a_partners_indicators_while_the_delivery_commits(
    sqlite_path, tokens, fake_peers, monkeypatch
):
    """No read before the pull is queued: the write session takes no lock until then."""
    async with reports_app(sqlite_path, tokens) as (_app, client):
        created = await client.post("/api/v1/notes", json=Q1, headers=partner(tokens))
        assert created.status_code == 201, created.text
        other = OtherWriter(sqlite_path, LOOP_UPDATE)
        indicators = fake_peers.indicators

        async def indicators_then_the_loop_commits(*args, **kwargs):
            answer = await indicators(*args, **kwargs)
            other.commit_now()
            return answer

        monkeypatch.setattr("reports.peers.indicators", indicators_then_the_loop_commits)
        params = {"scope": Q1["scope"], "from": "2026-01-01", "to": "2026-03-31"}
        answer = await client.get(
            "/api/v1/partner/indicators", params=params, headers=partner(tokens)
        )
        other.join()
        assert answer.status_code == 200, answer.text
        assert not other.refused_at_once  # measure was asked without holding the lock
        assert rows(sqlite_path) == [("note_generated", 1), ("partner_pull", 0)]


async def test_a_delivery_pass_while_a_request_queues_usage(
    sqlite_path, tokens, fake_peers, monkeypatch
):
    async with reports_app(sqlite_path, tokens) as (app, client):
        created = await client.post("/api/v1/notes", json=Q1, headers=partner(tokens))
        assert created.status_code == 201, created.text

        # While billing is being told, a request queues usage (another connection commits).
        queued = OtherWriter(
            sqlite_path,
            "INSERT INTO usage_outbox (idempotency_key, kind, member, prestation, quantity, "
            "occurred_at, reference, status, attempts, next_attempt_at, created_at) VALUES "
            "('pull-x', 'partner_pull', 'hauts-de-seine', 'notes-synthese', 1, "
            "'2099-01-01 00:00:00.000000', 'x', 'pending', 0, '2099-01-01 00:00:00.000000', "
            "'2099-01-01 00:00:00.000000')",
        )
        record_usage = fake_peers.record_usage

        async def billing_while_a_request_commits(*args, **kwargs):
            queued.commit_now()
            await asyncio.sleep(0)
            return await record_usage(*args, **kwargs)

        monkeypatch.setattr("reports.peers.record_usage", billing_while_a_request_commits)
        report = await deliver_due(
            db=app.state.db, clients=app.state.peers, policy=DeliveryPolicy(backoff_seconds=0)
        )
        queued.join()
        assert (report.delivered, report.retrying, report.failed) == (1, 0, 0)
        # Billing was called without the write lock held: the request was not kept waiting.
        assert not queued.refused_at_once
        conn = sqlite3.connect(sqlite_path)
        try:
            stored = conn.execute("SELECT kind, status FROM usage_outbox ORDER BY id").fetchall()
        finally:
            conn.close()
        assert stored == [("note_generated", "delivered"), ("partner_pull", "pending")]
        assert list(fake_peers.usage) == [f"note-{created.json()['id']}"]
