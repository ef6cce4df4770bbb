"""50 concurrent issue requests on PostgreSQL: 50 distinct, consecutive numbers, no gap.

Real concurrency needs real connections: this test builds its own database from the
migrations (not the per-test rollback connection), its own engine and app, and drops the
database afterwards.
"""

import asyncio
import os
import re

import httpx
import pytest
from sqlalchemy import make_url, text

from billing.main import create
from gipkit.db import Database, make_sync_engine
from gipkit.testing.database import TEST_DATABASE_ENV, migrated_database_url

from .conftest import Api, billing_settings

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        not (os.environ.get(TEST_DATABASE_ENV) or "").startswith("postgresql"),
        reason="concurrent numbering is a PostgreSQL property; set GIP_TEST_DATABASE_URL",
    ),
]

MEMBERS = 50


@pytest.fixture
def concurrent_url(migrations_dir, tmp_path, worker_id):
    url = migrated_database_url(
        name=f"billing_numbering_{worker_id}", migrations_dir=migrations_dir, tmp_dir=tmp_path
    )
    yield url
    admin = make_sync_engine(make_url(os.environ[TEST_DATABASE_ENV]), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


async def test_fifty_concurrent_issues_get_fifty_consecutive_numbers(
    concurrent_url, tokens, fake_peers
):
    fake_peers.members = [
        {
            "slug": f"commune-{i:02d}",
            "name": f"Commune {i:02d}",
            "kind": "commune",
            "college": "collectivites",
        }
        for i in range(MEMBERS)
    ]
    fake_peers.pupils = {f"commune-{i:02d}": 1000 + i for i in range(MEMBERS)}
    app = create(billing_settings())
    app.state.db = Database.from_url(concurrent_url)
    app.state.verifier = tokens.verifier()
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                api = Api(client, tokens)
                await api.year()
                await api.prestation(colleges=["collectivites"])
                run = await api.approved_run()
                responses = await asyncio.gather(
                    *(
                        api.post("/api/v1/invoices", {"run_id": run["id"], "member": m["slug"]})
                        for m in fake_peers.members
                    )
                )
            assert [r.status_code for r in responses] == [201] * MEMBERS, [
                r.text for r in responses if r.status_code != 201
            ][:3]
            issued = [r.json() for r in responses]
            numbers = [i["number"] for i in issued]
            assert len(set(numbers)) == MEMBERS
            values = sorted(int(re.match(r"^GIP-\d{4}-(\d{6})$", n).group(1)) for n in numbers)
            assert values == list(range(1, MEMBERS + 1))
            # Chronological: ordered by number, the issue timestamps never go back.
            by_number = sorted(issued, key=lambda i: i["number"])
            stamps = [i["issued_at"] for i in by_number]
            assert stamps == sorted(stamps)
    finally:
        await app.state.db.dispose()
