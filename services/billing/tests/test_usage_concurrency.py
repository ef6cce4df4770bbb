"""A request whose Idempotency-Key is being recorded by a concurrent one answers 409
(PostgreSQL: real concurrent transactions, on a database of this test's own)."""

import asyncio
import os

import httpx
import pytest
from sqlalchemy import make_url, text

from billing.main import create
from billing.usage import service
from billing.usage.schemas import UsageCreate
from gipkit.db import Database, make_sync_engine
from gipkit.testing.database import TEST_DATABASE_ENV, migrated_database_url

from .conftest import Api, billing_settings

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        not (os.environ.get(TEST_DATABASE_ENV) or "").startswith("postgresql"),
        reason="needs concurrent transactions on PostgreSQL; set GIP_TEST_DATABASE_URL",
    ),
]

EVENT = {
    "member": "hauts-de-seine",
    "prestation": "pull",
    "quantity": 1,
    "occurred_at": "2026-05-04T10:00:00+02:00",
}


@pytest.fixture
def own_url(migrations_dir, tmp_path, worker_id):
    url = migrated_database_url(
        name=f"billing_usage_{worker_id}", migrations_dir=migrations_dir, tmp_dir=tmp_path
    )
    yield url
    admin = make_sync_engine(make_url(os.environ[TEST_DATABASE_ENV]), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


async def waiting_on_a_lock(url, within: float = 30.0) -> bool:
    """True once a session of the test database waits on a lock."""
    engine = make_sync_engine(url, isolation_level="AUTOCOMMIT")
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            with engine.connect() as conn:
                waiting = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = :db AND wait_event_type = 'Lock'"
                    ),
                    {"db": url.database},
                ).scalar()
            if waiting:
                return True
            await asyncio.sleep(0.1)
        return False
    finally:
        engine.dispose()


async def test_concurrent_same_key_is_409(own_url, tokens):
    app = create(billing_settings())
    app.state.db = Database.from_url(own_url)
    app.state.verifier = tokens.verifier()
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                api = Api(client, tokens)
                await api.year()
                await api.prestation(
                    code="pull",
                    label="Pull",
                    kind="option",
                    cost_cents=0,
                    key="usage",
                    unit_price_cents=100,
                )
                headers = {
                    **tokens.headers(roles=["service"], client_id="svc-reports"),
                    "Idempotency-Key": "same",
                }
                # A first request holds the key in an open transaction …
                async with app.state.db.sessionmaker() as first:
                    await service.record(
                        session=first,
                        caller="svc-reports",
                        key="same",
                        data=UsageCreate.model_validate(EVENT),
                    )
                    second = asyncio.create_task(
                        client.post("/api/v1/usage", json=EVENT, headers=headers)
                    )
                    # Until the second request is really blocked on the first's row lock (a
                    # fixed sleep is not enough on a loaded machine: it may not have started).
                    assert await waiting_on_a_lock(own_url), "the second request never waited"
                    assert not second.done()  # it waits on the first transaction
                    await first.commit()
                response = await second
                assert response.status_code == 409, response.text
                # Retried once the first is done: the first's answer, counted once.
                retry = await client.post("/api/v1/usage", json=EVENT, headers=headers)
                assert retry.status_code == 201 and retry.headers["idempotency-replayed"] == "true"
    finally:
        await app.state.db.dispose()
