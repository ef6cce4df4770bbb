"""gipkit.idempotency: keys, fingerprints, and `idempotent()` on a table of this test's own
(SQLite, or PostgreSQL when GIP_TEST_DATABASE_URL is set), concurrency included."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import BaseModel
from sqlalchemy import MetaData, event, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from gipkit.app import create_app
from gipkit.db import Database, make_sync_engine
from gipkit.errors import Conflict, GipError, Unprocessable
from gipkit.idempotency import (
    HEADER,
    REPLAYED_HEADER,
    RETENTION,
    Answer,
    IdempotencyKeyHeader,
    IdempotencyRecordFields,
    check_key,
    fingerprint,
    idempotent,
    idempotent_responses,
)
from gipkit.settings import ServiceSettings
from gipkit.testing.database import fresh_database_url

pytestmark = pytest.mark.anyio

_registry = registry(
    metadata=MetaData(
        naming_convention={"ix": "ix_%(table_name)s_%(column_0_N_name)s", "pk": "pk_%(table_name)s"}
    )
)


class _Base(SQLModel, registry=_registry):
    pass


class Record(_Base, IdempotencyRecordFields, table=True):
    __tablename__ = "idempotency_record"


# --- keys and fingerprints -------------------------------------------------------------------


@pytest.mark.parametrize("key", ["k", "a" * 255, "order-42:retry_1", "!~{}\"'", "0"])
def test_valid_keys(key):
    assert check_key(key) == key


@pytest.mark.parametrize("key", ["", "a" * 256, "with space", "é", "tab\there", "nul\x00"])
def test_invalid_keys_are_422(key):
    with pytest.raises(Unprocessable) as caught:
        check_key(key)
    assert caught.value.errors[0].field == f"header.{HEADER}"


class Body(BaseModel):
    name: str
    count: int = 1
    tags: list[str] = []


def test_fingerprint_is_the_request_not_its_spelling():
    same = fingerprint("POST", "/x", {"a": 1, "b": [1, 2]})
    assert fingerprint("post", "/x", {"b": [1, 2], "a": 1}) == same
    assert fingerprint("POST", "/x", {"a": 1, "b": [2, 1]}) != same
    assert fingerprint("PUT", "/x", {"a": 1, "b": [1, 2]}) != same
    assert fingerprint("POST", "/y", {"a": 1, "b": [1, 2]}) != same
    assert fingerprint("POST", "/x", {"a": 1, "b": [1, 2]}, [("q", "1")]) != same
    # A validated model: defaults spelt out or left out are the same request.
    assert fingerprint("POST", "/x", Body(name="n")) == fingerprint(
        "POST", "/x", Body.model_validate({"name": "n", "count": 1, "tags": []})
    )
    assert fingerprint("POST", "/x", Body(name="n", count=2)) != fingerprint(
        "POST", "/x", Body(name="n")
    )
    # Query order does not matter; files are compared as bytes.
    assert fingerprint("POST", "/x", None, [("a", "1"), ("b", "2")]) == fingerprint(
        "POST", "/x", None, [("b", "2"), ("a", "1")]
    )
    assert fingerprint("POST", "/x", b"uai;name\n") != fingerprint("POST", "/x", b"uai,name\n")
    assert len(same) == 64


def test_answer_response_marks_replays():
    first = Answer(201, {"id": 1, "secret": "s"}, {"Location": "/x/1"}, replay_body={"id": 1})
    assert first.stored_body == {"id": 1}
    response = first.response()
    assert response.status_code == 201 and REPLAYED_HEADER not in response.headers
    assert json.loads(response.body) == {"id": 1, "secret": "s"}
    replay = Answer(201, {"id": 1}, {"Location": "/x/1"}, replayed=True).response()
    assert replay.headers[REPLAYED_HEADER] == "true" and replay.headers["location"] == "/x/1"
    assert Answer(204).response().status_code == 204
    assert Answer(200, {"a": 1}).stored_body == {"a": 1}


async def test_header_parameter_and_openapi():
    app = create_app(name="t", settings=ServiceSettings(env="test"), use_database=False)

    @app.post("/things", status_code=201, responses=idempotent_responses(201))
    async def make(idempotency_key: IdempotencyKeyHeader = None) -> dict[str, str | None]:
        return {"key": idempotency_key}

    operation = app.openapi()["paths"]["/things"]["post"]
    (parameter,) = operation["parameters"]
    assert parameter["name"] == HEADER and parameter["in"] == "header"
    assert parameter["required"] is False
    # No `null` in a header's schema: absent or a key.
    assert parameter["schema"]["type"] == "string"
    assert parameter["schema"]["maxLength"] == 255 and "anyOf" not in parameter["schema"]
    assert REPLAYED_HEADER in operation["responses"]["201"]["headers"]
    assert {"409", "422"} <= set(operation["responses"])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.post("/things")).json() == {"key": None}
            given = await client.post("/things", headers={HEADER: "k-1"})
            assert given.json() == {"key": "k-1"}
            refused = await client.post("/things", headers={HEADER: "x" * 256})
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"


# --- idempotent() on a database ------------------------------------------------------------


@pytest.fixture
def url(tmp_path, worker_id):
    url = fresh_database_url(name=f"gipkit_idempotency_{worker_id}", tmp_dir=tmp_path)
    engine = make_sync_engine(url)
    try:
        _registry.metadata.create_all(engine)
    finally:
        engine.dispose()
    return url


@pytest.fixture
async def db(url):
    database = Database.from_url(url)
    yield database
    await database.dispose()


class Writes:
    """A write that counts how often it really ran."""

    def __init__(self, status: int = 201) -> None:
        self.count = 0
        self.status = status

    async def __call__(self) -> Answer:
        self.count += 1
        return Answer(self.status, {"n": self.count}, {"Location": f"/x/{self.count}"})


async def once(db, writes, *, key="k", subject="alice", fp="f" * 64, **kw) -> Answer:
    async with db.sessionmaker() as session:
        answer = await idempotent(
            session, Record, key=key, subject=subject, fingerprint=fp, write=writes, **kw
        )
        await session.commit()
        return answer


async def count_records(db) -> int:
    async with db.sessionmaker() as session:
        return int(
            (await session.execute(text("SELECT count(*) FROM idempotency_record"))).one()[0]
        )


async def test_without_a_key_every_request_writes(db):
    writes = Writes()
    await once(db, writes, key=None)
    await once(db, writes, key=None)
    assert writes.count == 2 and await count_records(db) == 0


async def test_same_key_same_request_is_replayed(db):
    writes = Writes()
    first = await once(db, writes)
    again = await once(db, writes)
    assert writes.count == 1
    assert (again.status, again.body, dict(again.headers)) == (201, {"n": 1}, {"Location": "/x/1"})
    assert again.replayed and not first.replayed


async def test_same_key_other_request_is_422(db):
    writes = Writes()
    await once(db, writes)
    with pytest.raises(Unprocessable):
        await once(db, writes, fp="0" * 64)
    assert writes.count == 1


async def test_keys_belong_to_their_subject(db):
    writes = Writes()
    mine = await once(db, writes, subject="alice")
    theirs = await once(db, writes, subject="bob", fp="0" * 64)
    assert writes.count == 2 and not theirs.replayed and theirs.body != mine.body


async def test_a_long_subject_is_kept_hashed(db):
    writes = Writes()
    await once(db, writes, subject="s" * 1000)
    assert (await once(db, writes, subject="s" * 1000)).replayed and writes.count == 1
    assert not (await once(db, writes, subject="s" * 999)).replayed


async def test_replay_body_replaces_what_must_not_be_stored(db):
    async def with_secret() -> Answer:
        return Answer(201, {"id": 1, "secret": "s3cret"}, replay_body={"id": 1, "secret": None})

    first = await once(db, with_secret)
    assert first.body["secret"] == "s3cret"
    replay = await once(db, with_secret)
    assert replay.replayed and replay.body == {"id": 1, "secret": None}
    async with db.sessionmaker() as session:
        rows = (await session.execute(text("SELECT * FROM idempotency_record"))).all()
    assert "s3cret" not in str(rows)


async def test_a_failed_write_stores_nothing(db):
    async def failing() -> Answer:
        raise Conflict("no")

    async with db.sessionmaker() as session:
        with pytest.raises(GipError):
            await idempotent(
                session, Record, key="k", subject="alice", fingerprint="f" * 64, write=failing
            )
        await session.rollback()  # what the request's session does when the endpoint raises
    writes = Writes()
    assert not (await once(db, writes)).replayed and writes.count == 1


async def test_expired_records_are_absent_and_purged(db):
    writes = Writes()
    long_ago = datetime.now(UTC) - RETENTION - timedelta(minutes=1)
    await once(db, writes, now=lambda: long_ago)
    await once(db, writes, key="other", subject="bob", now=lambda: long_ago)
    # The same key, a day later, with another request: a new write, not a 422.
    later = await once(db, writes, fp="0" * 64)
    assert not later.replayed and writes.count == 3
    # bob's expired record went with the purge; only the new one is left.
    assert await count_records(db) == 1


async def test_concurrent_same_key_is_409(db):
    """The second request claims the key while the first is writing: 409, one write."""
    entered, release, second_claims = asyncio.Event(), asyncio.Event(), asyncio.Event()
    claims = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO IDEMPOTENCY_RECORD"):
            claims.append(statement)
            if len(claims) == 2:
                second_claims.set()

    event.listen(db.engine.sync_engine, "before_cursor_execute", on_execute)
    writes = Writes()

    async def slow_write() -> Answer:
        entered.set()
        await release.wait()
        return await writes()

    first = asyncio.create_task(once(db, slow_write))
    await asyncio.wait_for(entered.wait(), 10)
    second = asyncio.create_task(once(db, writes))
    # The second has looked the key up (not there yet: uncommitted) and inserts it now.
    await asyncio.wait_for(second_claims.wait(), 10)
    release.set()
    assert (await first).status == 201
    with pytest.raises(Conflict) as caught:
        await second
    # PostgreSQL: the key's row, once the first committed; SQLite: the writer lock.
    assert isinstance(caught.value.__cause__, IntegrityError | OperationalError)
    assert writes.count == 1
    # Its retry, once the first is done, is a replay.
    assert (await once(db, writes)).replayed and writes.count == 1


def test_the_mixin_binds_into_any_registry():
    other = registry(metadata=MetaData())

    class OtherBase(SQLModel, registry=other):
        pass

    class OtherRecord(OtherBase, IdempotencyRecordFields, table=True):
        __tablename__ = "idempotency_record"

    assert OtherRecord.__table__.metadata is other.metadata
    assert Record.__table__.metadata is _registry.metadata
    assert [c.name for c in OtherRecord.__table__.primary_key] == ["subject", "idempotency_key"]
