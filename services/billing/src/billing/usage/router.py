"""/api/v1/usage: metered usage sent by other services (a note generated, an API call)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header
from fastapi.responses import JSONResponse

from billing.common.access import Service
from billing.usage import service
from billing.usage.schemas import IDEMPOTENCY_KEY_PATTERN, UsageCreate, UsagePublic
from gipkit.db import SessionDep
from gipkit.errors import problem_responses
from gipkit.routing import api_router

router = api_router("/api/v1/usage", tags=["usage"])

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="Chosen by the caller; the same key twice counts once",
    ),
]


@router.post(
    "",
    status_code=201,
    response_model=UsagePublic,
    summary="Record usage of a usage-priced prestation (idempotent)",
    description="Same key + same body → the same answer (`Idempotency-Replayed: true`); same "
    "key + another body → 422; a concurrent request with the same key → 409.",
    responses=problem_responses(404, 409),
)
async def record_usage(
    body: UsageCreate,
    principal: Service,
    session: SessionDep,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    caller = principal.client_id or principal.subject
    recorded = await service.record(session=session, caller=caller, key=idempotency_key, data=body)
    headers = {"Idempotency-Replayed": "true"} if recorded.replayed else {}
    return JSONResponse(recorded.answer, status_code=201, headers=headers)
