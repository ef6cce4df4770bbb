"""The rollup as a job: ingestion marks visitor-days, the figures follow once the job has run,
and `data_cutoff` says how far they go. On PostgreSQL, a batch marking a visitor-day while a
job holds it waits, so the job cannot delete a mark for hits it never saw."""

import argparse
import asyncio
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from measure_support import hit, measure_settings
from sqlalchemy import select, text

from gipkit.db import Database
from measure.models import DayTotal, RollupMark
from measure.rollup import command, marks
from measure.rollup import totals as rollup_totals
from measure.rollup.job import catch_up

pytestmark = pytest.mark.anyio

# Tuesday 3 March 2026, 18:00 Paris.
MARCH = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)


@pytest.fixture
def settings():
    # The background worker sleeps for an hour: the test runs the job itself.
    return measure_settings(rollup_inline=False, rollup_interval_seconds=3600, retention_months=120)


@pytest.fixture
def nudges(app):
    woken: list[int] = []
    app.state.rollup_nudge = lambda: woken.append(1)
    return woken


async def totals(client, admin):
    r = await client.get(
        "/api/v1/indicators",
        params={"scope": "project:ent-92", "period": "2026-03"},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    t = body["totals"]
    return (t["visits"], t["unique_visitors"], t["page_views"]), body["data_cutoff"]


async def pending(app) -> int:
    async with app.state.db.sessionmaker() as session:
        return await marks.pending(session)


async def test_figures_follow_the_job_and_the_cutoff_says_so(client, ent, admin, app, nudges):
    before = datetime.now(UTC)
    batch = [
        hit(MARCH, user="a"),
        hit(MARCH + timedelta(minutes=20), user="a"),
        hit(MARCH + timedelta(days=1), user="a"),
        hit(MARCH, user="b"),
    ]
    r = await client.post("/api/v1/hits", json=batch, headers=ent)
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 4
    assert nudges == [1]  # the worker is woken once the batch is committed
    assert await pending(app) == 3  # (a, 3 March), (a, 4 March), (b, 3 March)

    figures, cutoff = await totals(client, admin)
    assert figures == (0, 0, 0)  # not rolled up yet …
    assert datetime.fromisoformat(cutoff) < datetime.now(UTC)  # … and the cutoff says so
    assert before <= datetime.fromisoformat(cutoff)

    # Two marks per transaction: the job takes several turns.
    assert await catch_up(app.state.db, batch=2) == 3
    assert await pending(app) == 0
    figures, cutoff = await totals(client, admin)
    assert figures == (3, 2, 4)
    assert datetime.fromisoformat(cutoff) >= before


async def test_a_late_hit_re_marks_and_re_cuts_the_visits(client, ent, admin, app, nudges):
    # Two visits 40 minutes apart; a late hit in the gap makes them one.
    first = [hit(MARCH, user="a"), hit(MARCH + timedelta(minutes=40), user="a")]
    assert (await client.post("/api/v1/hits", json=first, headers=ent)).status_code == 200
    await catch_up(app.state.db, batch=100)
    assert (await totals(client, admin))[0] == (2, 1, 2)
    late = [hit(MARCH + timedelta(minutes=20), user="a")]
    assert (await client.post("/api/v1/hits", json=late, headers=ent)).status_code == 200
    assert await pending(app) == 1
    assert (await totals(client, admin))[0] == (2, 1, 2)  # still the old figures
    await catch_up(app.state.db, batch=100)
    assert (await totals(client, admin))[0] == (1, 1, 3)


async def test_a_replay_marks_nothing(client, ent, app, nudges):
    batch = [hit(MARCH, user="a")]
    assert (await client.post("/api/v1/hits", json=batch, headers=ent)).status_code == 200
    await catch_up(app.state.db, batch=100)
    assert (await client.post("/api/v1/hits", json=batch, headers=ent)).json()["duplicates"] == 1
    assert await pending(app) == 0
    assert nudges == [1]


@pytest.fixture
async def committing_db(database_url):
    """Sessions that really commit (not the rolled-back test transaction): two connections
    must see each other's work. Leaves no mark behind."""
    db = Database.from_url(database_url)
    try:
        yield db
    finally:
        async with db.sessionmaker() as session:
            await session.execute(text("DELETE FROM rollup_marks WHERE site = '999999'"))
            await session.commit()
        await db.dispose()


async def test_a_batch_never_waits_for_the_job_and_its_mark_outlives_it(committing_db):
    db = committing_db
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the race cannot happen there")
    key = ("999999", "v" * 32, MARCH.date())
    t0, t1 = MARCH, MARCH + timedelta(seconds=1)
    async with db.sessionmaker() as session:
        await marks.mark(session, [key], now=t0)
        await session.commit()
    async with db.sessionmaker() as job:
        ids, claimed = await marks.claim(job, limit=10)
        assert key in claimed

        async def ingest() -> None:  # a batch touching the same visitor-day meanwhile
            async with db.sessionmaker() as session:
                await marks.mark(session, [key], now=t1)
                await session.commit()

        # It does not wait for the job's transaction (a lock wait would time out here).
        await asyncio.wait_for(ingest(), timeout=5)
        async with db.sessionmaker() as other:  # a second job skips what the first holds
            other_ids, _ = await marks.claim(other, limit=10)
            assert not set(ids) & set(other_ids)
            await other.rollback()
        await marks.forget(job, ids)
        await job.commit()
    async with db.sessionmaker() as session:
        # The job deleted only the rows it claimed: the batch's mark is there for the next run.
        found = await session.execute(
            select(RollupMark.marked_at).where(RollupMark.site == "999999")
        )
        assert [m for (m,) in found] == [t1]


async def test_a_follower_works_off_the_marks_and_touches_its_heartbeat(
    client, ent, admin, app, nudges, settings, tmp_path
):
    beat = tmp_path / "alive"
    follower_settings = settings.model_copy(
        update={"rollup_heartbeat_file": beat, "rollup_batch_marks": 2}
    )
    r = await client.post("/api/v1/hits", json=[hit(MARCH, user=u) for u in "abc"], headers=ent)
    assert r.json()["accepted"] == 3
    assert not beat.exists()
    # Two passes of two marks: everything, and the heartbeat written.
    assert await command.follow(follower_settings, app.state.db, passes=2) == 3
    assert beat.exists()
    assert await pending(app) == 0
    assert (await totals(client, admin))[0] == (3, 3, 3)


async def test_a_follower_outlives_a_failed_pass(app, settings, tmp_path, monkeypatch):
    beat = tmp_path / "alive"
    calls: list[int] = []

    async def flaky(db, *, batch):
        calls.append(batch)
        if len(calls) == 1:
            raise ConnectionError("the database is restarting")
        return 0

    monkeypatch.setattr(command, "run_once", flaky)
    monkeypatch.setattr(command, "FAILED_PAUSE_SECONDS", 0)
    monkeypatch.setattr(command, "IDLE_SECONDS", 0)
    follower_settings = settings.model_copy(update={"rollup_heartbeat_file": beat})
    assert await command.follow(follower_settings, app.state.db, passes=3) == 0
    assert len(calls) == 3 and beat.exists()


def test_alive_says_whether_the_follower_passed_lately(tmp_path, monkeypatch, capsys):
    beat = tmp_path / "alive"
    monkeypatch.setenv("GIP_MEASURE_ROLLUP_HEARTBEAT_FILE", str(beat))
    args = argparse.Namespace(alive=True, within=60.0, follow=False)
    assert command.command(args) == 1  # never ran
    assert "never" in capsys.readouterr().err
    beat.touch()
    assert command.command(args) == 0
    old = time.time() - 120
    os.utime(beat, (old, old))
    assert command.command(args) == 1  # hung or stopped two minutes ago
    assert "120 s ago" in capsys.readouterr().err


async def test_a_day_total_taken_back_to_nothing_is_deleted(session):
    """Re-cutting visits can take a value's last visit of a day away (its page views counted on
    other days): its row goes, so that a value nobody touched is never listed."""
    day = date(2026, 3, 3)
    kept = (day, "*", "all", "", 2, 5)
    recut = (day, "*", "service", "10", 1, 0)

    async def rows():
        found = await session.execute(select(DayTotal.dim, DayTotal.visits, DayTotal.page_views))
        return sorted(tuple(r) for r in found)

    await rollup_totals.apply(session, site="920001", before=[], after=[kept, recut])
    assert await rows() == [("all", 2, 5), ("service", 1, 0)]
    await rollup_totals.apply(session, site="920001", before=[recut], after=[])
    assert await rows() == [("all", 2, 5)]


def test_a_follower_process_gives_way_to_ingestion_on_the_cpu(tmp_path):
    """`rollup --follow` runs at a lower CPU priority (`rollup_nice`): on cores it shares with
    the API and PostgreSQL, hits are answered first and the figures catch up after."""
    beat = tmp_path / "alive"
    env = {
        **os.environ,
        "GIP_MEASURE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}",
        "GIP_MEASURE_ROLLUP_HEARTBEAT_FILE": str(beat),
        "GIP_MEASURE_ROLLUP_NICE": "7",
        "GIP_MEASURE_LOG_LEVEL": "CRITICAL",
    }
    follower = subprocess.Popen(
        [sys.executable, "-m", "measure", "rollup", "--follow"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Its first pass (on a database without tables: failed, and outlived) touches the
        # heartbeat; by then the priority is lowered.
        deadline = time.monotonic() + 30
        while not beat.exists() and follower.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert beat.exists(), "the follower made no pass"
        own = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, follower.pid) == min(own + 7, 19)
    finally:
        follower.terminate()
        follower.wait(timeout=20)


def test_the_priority_is_lowered_by_the_setting_and_0_leaves_it(monkeypatch):
    lowered: list[int] = []
    monkeypatch.setattr(command.os, "nice", lowered.append)
    command.yield_the_cpu(measure_settings(rollup_nice=0))
    assert lowered == []
    command.yield_the_cpu(measure_settings(rollup_nice=5))
    assert lowered == [5]
