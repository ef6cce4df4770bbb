"""`Idempotency-Key` on tenants' creations (DESIGN.md §4), on gipkit's implementation.

Every POST that creates (members, establishments and their CSV import and networks, projects
and their memberships, machine clients, user invitations) takes the optional header: a
retried request with the same key and body answers the first answer again instead of
creating a second member, IdP client or invitation. Records live 24 h in
`idempotency_record`; expired ones are purged as new ones are inserted (gipkit.idempotency).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from gipkit.auth import Principal
from gipkit.idempotency import Answer, IdempotencyRecordFields, idempotent, request_fingerprint
from tenants.models import TableBase


class IdempotencyRecord(TableBase, IdempotencyRecordFields, table=True):
    __tablename__ = "idempotency_record"


async def once(
    *,
    request: Request,
    session: AsyncSession,
    principal: Principal,
    key: str | None,
    body: Any,
    write: Callable[[], Awaitable[Answer]],
) -> Response:
    """`write`'s answer, or the stored answer of the caller's earlier request with `key`."""
    answer = await idempotent(
        session,
        IdempotencyRecord,
        key=key,
        subject=principal.subject,
        fingerprint=request_fingerprint(request, body),
        write=write,
    )
    return answer.response()
