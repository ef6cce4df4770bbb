"""Group commit: small requests that arrive while a transaction runs share the next one, and
each is answered with its own hits' statuses, after the commit."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from measure_support import hit
from sqlalchemy import func, select

from measure.hits.groupcommit import GroupCommit
from measure.models import Hit

pytestmark = pytest.mark.anyio

NOW = datetime.now(UTC)


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.fail = fail

    async def __call__(self, hits, now):
        self.calls.append(list(hits))
        await asyncio.sleep(0)  # a transaction takes time: others gather meanwhile
        if self.fail:
            raise RuntimeError("database gone")
        return [f"status-of-{h}" for h in hits]


async def test_requests_waiting_together_share_one_write_and_get_their_own_answers():
    write = Recorder()
    group = GroupCommit(write)
    answers = await asyncio.gather(
        group.submit(["a"], NOW), group.submit(["b", "c"], NOW), group.submit(["d"], NOW)
    )
    assert write.calls == [["a", "b", "c", "d"]]
    assert answers == [["status-of-a"], ["status-of-b", "status-of-c"], ["status-of-d"]]


async def test_a_group_stops_at_its_size_and_the_rest_goes_in_the_next():
    write = Recorder()
    group = GroupCommit(write, max_hits=3)
    answers = await asyncio.gather(*(group.submit([n], NOW) for n in "abcde"))
    assert write.calls == [["a", "b", "c"], ["d", "e"]]
    assert answers == [[f"status-of-{n}"] for n in "abcde"]


async def test_a_failed_write_fails_every_request_of_its_group():
    group = GroupCommit(Recorder(fail=True))
    results = await asyncio.gather(
        group.submit(["a"], NOW), group.submit(["b"], NOW), return_exceptions=True
    )
    assert [type(r) for r in results] == [RuntimeError, RuntimeError]


async def test_a_lone_request_is_written_at_once_whatever_the_gathering_time():
    write = Recorder()
    group = GroupCommit(write, gather_seconds=60)
    assert await asyncio.wait_for(group.submit(["a"], NOW), timeout=5) == ["status-of-a"]


async def test_a_request_on_its_way_is_waited_for_and_shares_the_transaction():
    write = Recorder()
    group = GroupCommit(write, gather_seconds=60)
    with group.on_the_way() as arrival:
        first = asyncio.create_task(group.submit(["a"], NOW))
        for _ in range(5):  # the group would have been written by now, were it not waiting
            await asyncio.sleep(0)
        assert write.calls == []
        second = await asyncio.wait_for(group.submit(["b"], NOW, arrival), timeout=5)
    assert await first == ["status-of-a"] and second == ["status-of-b"]
    assert write.calls == [["a", "b"]]


async def test_a_request_that_leaves_without_hits_stops_the_wait():
    write = Recorder()
    group = GroupCommit(write, gather_seconds=60)
    with group.on_the_way():
        first = asyncio.create_task(group.submit(["a"], NOW))
        await asyncio.sleep(0)
    # Its hits were all refused: it never submits, and the group goes without it.
    assert await asyncio.wait_for(first, timeout=5) == ["status-of-a"]
    assert write.calls == [["a"]]


async def test_concurrent_single_hits_are_each_told_their_own_outcome(client, ent, session):
    ts = NOW - timedelta(hours=1)
    one = hit(ts, event_id="g-1")
    bodies = [
        [one],
        [hit(ts + timedelta(minutes=1), event_id="g-2")],
        [one],  # the same hit again: a duplicate, whichever request came first
        [{**one, "page": "/autre"}],  # the same id, other content: a conflict
        [hit(ts + timedelta(minutes=2), event_id="g-3")],
    ]
    responses = await asyncio.gather(
        *(client.post("/api/v1/hits", json=b, headers=ent) for b in bodies)
    )
    outcomes = [r.json() for r in responses]
    assert [o["accepted"] for o in outcomes].count(1) == 3
    assert sorted((o["accepted"], o["duplicates"], o["conflicts"]) for o in outcomes) == [
        (0, 0, 1),
        (0, 1, 0),
        (1, 0, 0),
        (1, 0, 0),
        (1, 0, 0),
    ]
    assert [r.status_code for r in responses].count(422) == 1  # the conflict, refused
    stored = (await session.execute(select(func.count()).select_from(Hit))).scalar_one()
    assert stored == 3
