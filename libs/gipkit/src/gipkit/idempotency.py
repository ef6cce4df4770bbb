"""`Idempotency-Key` on writes that can be retried (DESIGN.md §4).

Same key + same request → the same answer again (same status, same body, marked
`Idempotency-Replayed: true`), and the write is done once; same key + another request → 422;
a request whose key is in use by a concurrent one → 409. Keys belong to the caller (the
token's subject): two callers may use the same key without colliding.

What a service does:

* binds the table into its own registry (gipkit never imports a service)::

      class IdempotencyRecord(TableBase, IdempotencyRecordFields, table=True):
          __tablename__ = "idempotency_record"

  and creates it in a migration (the columns are those of `IdempotencyRecordFields`);
* declares the header on its operations (`IdempotencyKeyHeader`, optional) and wraps the
  write in `idempotent()`, inside the request's session.

How it holds:

* The record is inserted first, "in progress" (`status` null), in a savepoint of the request's
  transaction; the write then runs and the record is completed with the answer, in the same
  transaction. The answer is stored if and only if the write is: a write that fails rolls its
  record back with it, and a retry runs again.
* Concurrency rests on the primary key (subject, key). On PostgreSQL a second request with the
  key inserts behind the first's uncommitted row, waits for it and then fails on the key:
  409. On SQLite the writer lock serialises them; the second one's insert fails on the lock
  or on the key: 409 as well. Its retry then gets the first's answer.
* Errors are not stored (they roll back), so they are never replayed: only what was done is.
* Records are kept `RETENTION` (24 h); an older one is as good as absent. They are purged
  where they are inserted (`_purge`, a bounded delete of expired rows that skips rows other
  transactions hold), so no periodic job is needed.
* An answer may hold something that must not be stored (a client secret shown once): the
  write gives `Answer(replay_body=...)`, what a replay answers instead.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, Final

from fastapi import Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import JSON, delete, tuple_
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from gipkit.errors import Conflict, FieldError, Unprocessable, problem_responses
from gipkit.types import UTCDateTime, utcnow

HEADER: Final = "Idempotency-Key"
REPLAYED_HEADER: Final = "Idempotency-Replayed"
MAX_KEY_LENGTH: Final = 255
MAX_SUBJECT_LENGTH: Final = 255
# 1 to 255 visible ASCII characters (0x21-0x7E): no spaces, no control characters.
KEY_PATTERN: Final = r"^[!-~]{1,255}$"
_KEY = re.compile(KEY_PATTERN)
RETENTION: Final = timedelta(hours=24)
# Expired records deleted per insert: bounded, so a backlog never slows one request down.
PURGE_BATCH: Final = 100

HEADER_DESCRIPTION: Final = (
    "Chosen by the caller (1 to 255 visible ASCII characters) to retry this write safely, for "
    "24 hours: the same key with the same request answers the first answer again (header "
    "`Idempotency-Replayed: true`) without writing twice; the same key with another request "
    "is refused (422); while a request with the key is in progress, another one gets 409. "
    "Keys belong to the caller: other callers' keys never collide with yours."
)

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias=HEADER,
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        pattern=KEY_PATTERN,
        description=HEADER_DESCRIPTION,
    ),
]
"""The optional header, as a FastAPI parameter: `idempotency_key: IdempotencyKeyHeader = None`.
An invalid key is refused by request validation (422, problem+json)."""


def idempotent_responses(status: int = 201) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries of an idempotent operation: its replay header and 409."""
    return {
        status: {
            "headers": {
                REPLAYED_HEADER: {
                    "description": "`true` when this answer is the replay of an earlier "
                    "request with the same Idempotency-Key",
                    "schema": {"type": "string", "enum": ["true"]},
                }
            }
        },
        **problem_responses(409),
    }


def check_key(key: str) -> str:
    """`key` if it is a valid Idempotency-Key; 422 otherwise (for callers that do not take the
    header through `IdempotencyKeyHeader`, which validates it already)."""
    if not _KEY.fullmatch(key):
        raise Unprocessable(
            "an Idempotency-Key is 1 to 255 visible ASCII characters",
            errors=[FieldError(field=f"header.{HEADER}", reason="invalid")],
        )
    return key


# --- fingerprints ----------------------------------------------------------------------------


def _canonical_body(body: Any) -> Any:
    if body is None:
        return None
    if isinstance(body, bytes | bytearray | memoryview):
        return {"bytes-sha256": hashlib.sha256(bytes(body)).hexdigest()}
    if isinstance(body, BaseModel):
        return {"json": body.model_dump(mode="json")}
    return {"json": body}


def fingerprint(
    method: str, path: str, body: Any = None, query: Iterable[tuple[str, str]] = ()
) -> str:
    """SHA-256 of what makes two requests the same: method, path, query and body.

    The body is canonical: a validated pydantic model (its JSON form: field order, spacing
    and defaults left out or spelt out do not matter) or JSON-able data, compared as sorted
    JSON; bytes (an uploaded file) as they are.
    """
    canonical = json.dumps(
        {
            "method": method.upper(),
            "path": path,
            "query": sorted(query),
            "body": _canonical_body(body),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def request_fingerprint(request: Request, body: Any = None) -> str:
    """The fingerprint of `request` with its (validated) `body`."""
    return fingerprint(request.method, request.url.path, body, request.query_params.multi_items())


# --- the table -------------------------------------------------------------------------------


class IdempotencyRecordFields(SQLModel):
    """The columns of a service's idempotency table; bind them into the service's registry.

    Columns: subject VARCHAR(255) and idempotency_key VARCHAR(255) (the primary key, in this
    order), fingerprint VARCHAR(64), status INTEGER NULL (null: in progress), body JSON NULL,
    headers JSON NULL, created_at TIMESTAMP WITH TIME ZONE (indexed, for the purge).
    """

    subject: str = Field(primary_key=True, max_length=MAX_SUBJECT_LENGTH)
    idempotency_key: str = Field(primary_key=True, max_length=MAX_KEY_LENGTH)
    fingerprint: str = Field(max_length=64)
    status: int | None = Field(default=None)
    body: Any = Field(default=None, sa_type=JSON, nullable=True)
    headers: dict[str, str] | None = Field(default=None, sa_type=JSON, nullable=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


# --- answers ---------------------------------------------------------------------------------

_SAME: Final[Any] = object()


@dataclass(frozen=True)
class Answer:
    """What a write answers: status, JSON body (already in its JSON form) and headers.

    `replay_body` is what a replay answers instead of `body`, when `body` holds what must not
    be stored (a secret shown once); by default the same body.
    """

    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    replay_body: Any = _SAME
    replayed: bool = False

    @property
    def stored_body(self) -> Any:
        return self.body if self.replay_body is _SAME else self.replay_body

    def response(self) -> Response:
        headers = dict(self.headers)
        if self.replayed:
            headers[REPLAYED_HEADER] = "true"
        if self.body is None:
            return Response(status_code=self.status, headers=headers)
        return JSONResponse(self.body, status_code=self.status, headers=headers)


def _key_reused() -> Unprocessable:
    return Unprocessable(
        "this Idempotency-Key was used with another request",
        errors=[FieldError(field=f"header.{HEADER}", reason="already used with another request")],
    )


def _in_progress() -> Conflict:
    return Conflict(
        "a request with this Idempotency-Key is in progress; retry it later",
        headers={"Retry-After": "1"},
    )


def _is_lock_failure(exc: OperationalError) -> bool:
    # SQLite: the database is held by another writer (busy timeout), or was written by it since
    # this transaction read (a stale snapshot cannot write). Both say "database is locked".
    return "database is locked" in str(exc.orig).lower()


async def _purge(
    session: AsyncSession, record: type[IdempotencyRecordFields], cutoff: datetime
) -> None:
    """Delete up to PURGE_BATCH expired records, skipping rows other transactions hold (SKIP
    LOCKED on PostgreSQL; SQLite has a single writer), so purges never wait on each other."""
    expired = (
        select(col(record.subject), col(record.idempotency_key))
        .where(col(record.created_at) < cutoff)
        .limit(PURGE_BATCH)
        .with_for_update(skip_locked=True)
    )
    statement = delete(record).where(
        tuple_(col(record.subject), col(record.idempotency_key)).in_(expired)
    )
    await session.execute(statement)


async def idempotent(
    session: AsyncSession,
    record: type[IdempotencyRecordFields],
    *,
    key: str | None,
    subject: str,
    fingerprint: str,
    write: Callable[[], Awaitable[Answer]],
    now: Callable[[], datetime] = utcnow,
) -> Answer:
    """Run `write` once per (subject, key), inside `session`'s transaction.

    Without a key, `write` just runs. With one: the stored answer again (`replayed`), or 422
    (the key was used with another fingerprint), or 409 (a concurrent request holds the key),
    or `write` runs and its answer is stored with the key, committed with the write.
    """
    if key is None:
        return await write()
    check_key(key)
    if len(subject) > MAX_SUBJECT_LENGTH:  # a token's `sub` is short; never fail on a long one
        subject = "sha256:" + hashlib.sha256(subject.encode()).hexdigest()
    moment = now()
    cutoff = moment - RETENTION
    query = (
        select(record)
        .where(record.subject == subject, record.idempotency_key == key)
        .execution_options(populate_existing=True)
    )
    previous = (await session.exec(query)).first()
    if previous is not None:
        if previous.created_at < cutoff:  # expired: as if absent
            session.expunge(previous)
            # A statement, not an ORM delete expecting the row: a concurrent purge may have
            # deleted it already.
            await session.execute(
                delete(record).where(
                    col(record.subject) == subject,
                    col(record.idempotency_key) == key,
                    col(record.created_at) < cutoff,
                )
            )
        elif previous.fingerprint != fingerprint:
            raise _key_reused()
        elif previous.status is None:  # only if a service committed a claim on its own
            raise _in_progress()
        else:
            return Answer(
                status=previous.status,
                body=previous.body,
                headers=dict(previous.headers or {}),
                replayed=True,
            )
    claim = record(subject=subject, idempotency_key=key, fingerprint=fingerprint, created_at=moment)
    try:
        async with session.begin_nested():
            session.add(claim)
            await session.flush()
    except IntegrityError as exc:  # a concurrent request inserted the key first
        raise _in_progress() from exc
    except OperationalError as exc:
        if _is_lock_failure(exc):
            raise _in_progress() from exc
        raise
    await _purge(session, record, cutoff)
    answer = await write()
    claim.status = answer.status
    claim.body = answer.stored_body
    claim.headers = dict(answer.headers)
    session.add(claim)
    await session.flush()
    return answer
