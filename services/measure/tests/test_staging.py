"""PostgreSQL: the service's connections make their COPY staging table when they open, and a
batch written on such a connection goes without making it again."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from gipkit.db import Database
from measure.hits.partitions import Partitions
from measure.hits.prepare import PreparedHit
from measure.hits.store import ACCEPTED, stage_on_connect, store
from measure.models import Hit

pytestmark = pytest.mark.anyio


def _hit(event_id: str, ts: datetime) -> PreparedHit:
    return PreparedHit(
        index=0,
        site="920001",
        event_id=event_id,
        ts=ts,
        uai="0920001A",
        visitor="v" * 32,
        profile="1",
        service="0",
        page="/accueil",
        device="desktop",
        os="Linux",
        browser="Firefox",
        inside="unknown",
        known_service=True,
        day=ts.date(),
    )


async def test_a_connection_makes_its_staging_table_when_it_opens(database_url):
    db = Database.from_url(database_url)
    try:
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the staging table is PostgreSQL's (SQLite takes multi-row INSERTs)")
        stage_on_connect(db)
        stage_on_connect(db)  # once is enough, twice is harmless
        now = datetime.now(UTC).replace(microsecond=0)
        await Partitions().ensure(db, [now])
        async with db.sessionmaker() as session:
            there = "SELECT to_regclass('pg_temp.hit_batch') IS NOT NULL"
            assert (await session.execute(text(there))).scalar_one()
            hits = [_hit("staged-1", now), _hit("staged-2", now)]
            assert await store(session, hits, now=now) == [ACCEPTED, ACCEPTED]
            stored = select(func.count()).select_from(Hit).where(Hit.event_id.like("staged-%"))
            assert (await session.execute(stored)).scalar_one() == 2
            await session.rollback()  # the test database is shared: nothing stays
    finally:
        await db.dispose()
