"""Recording usage exactly once per idempotency key (DESIGN.md §4).

Same key + same body → the same answer again (nothing counted twice); same key + another
body → 422; a request whose key is being recorded by a concurrent one → 409. Keys belong to
the calling client: two services may use the same key without colliding.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from billing.catalogue import repository as catalogue
from billing.usage.models import UsageEvent
from billing.usage.schemas import UsageCreate, UsagePublic
from gipkit.clock import paris_day
from gipkit.errors import Conflict, FieldError, NotFound, Unprocessable


@dataclass(frozen=True)
class Recorded:
    answer: dict[str, Any]
    replayed: bool


def body_hash(data: UsageCreate) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def record(*, session: AsyncSession, caller: str, key: str, data: UsageCreate) -> Recorded:
    digest = body_hash(data)
    query = select(UsageEvent).where(UsageEvent.caller == caller, UsageEvent.idempotency_key == key)
    previous = (await session.exec(query)).first()
    if previous is not None:
        if previous.request_hash != digest:
            raise Unprocessable(
                "this Idempotency-Key was used with another body",
                errors=[FieldError(field="header.Idempotency-Key", reason="reused")],
            )
        return Recorded(answer=previous.answer, replayed=True)
    year = paris_day(data.occurred_at).year
    if await catalogue.prestation(session, year, data.prestation) is None:
        raise NotFound(
            f"prestation {data.prestation} not found in {year}",
            fr=f"prestation {data.prestation} introuvable dans l'exercice {year}",
        )
    event = UsageEvent(
        caller=caller,
        idempotency_key=key,
        request_hash=digest,
        year=year,
        prestation=data.prestation,
        member=data.member,
        project=data.project,
        quantity=data.quantity,
        occurred_at=data.occurred_at,
        kind=data.kind,
        reference=data.reference,
        answer={},
    )
    try:
        async with session.begin_nested():
            session.add(event)
            await session.flush()
            event.answer = UsagePublic.model_validate(event.model_dump()).model_dump(mode="json")
            session.add(event)
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "a request with this Idempotency-Key is being processed; retry it later"
        ) from exc
    return Recorded(answer=event.answer, replayed=False)
