"""`Idempotency-Key` on tenants' creations (DESIGN.md §4), on gipkit's implementation.

Every POST that creates (members, establishments and their CSV import and networks, projects
and their memberships, machine clients, user invitations) takes the optional header: a
retried request with the same key and body answers the first answer again instead of
creating a second member, IdP client or invitation. Records live 24 h in
`idempotency_record`; expired ones are purged as new ones are inserted (gipkit.idempotency).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from gipkit.auth import Principal, PrincipalDep
from gipkit.db import SessionDep
from gipkit.idempotency import (
    Answer,
    IdempotencyKeyHeader,
    IdempotencyRecordFields,
    idempotent,
    request_fingerprint,
)
from tenants.models import TableBase


class IdempotencyRecord(TableBase, IdempotencyRecordFields, table=True):
    __tablename__ = "idempotency_record"


@dataclass(frozen=True)
class Once:
    """A creation done at most once per caller and `Idempotency-Key`: called with the request's
    body and the function that writes, it answers `write`'s answer, or the stored answer of
    the caller's earlier request with that key (and the same body)."""

    request: Request
    session: AsyncSession
    principal: Principal
    key: str | None

    async def __call__(self, body: Any, write: Callable[[], Awaitable[Answer]]) -> Response:
        answer = await idempotent(
            self.session,
            IdempotencyRecord,
            key=self.key,
            subject=self.principal.subject,
            fingerprint=request_fingerprint(self.request, body),
            write=write,
        )
        return answer.response()


async def _once(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Once:
    # The route's own session and principal: FastAPI resolves a dependency once per request.
    return Once(request=request, session=session, principal=principal, key=idempotency_key)


OnceDep = Annotated[Once, Depends(_once)]
"""A route's `once: OnceDep`, then `return await once(body, write)`; the route declares the
optional `Idempotency-Key` header through it."""
