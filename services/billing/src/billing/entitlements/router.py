"""/api/v1/entitlements: for other services (reports) deciding what a member may get."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query

from billing.common.access import ServiceOrAdmin
from billing.common.schemas import CODE_PATTERN, SLUG_PATTERN
from billing.entitlements import service
from billing.entitlements.schemas import Entitlement
from gipkit.clock import today
from gipkit.db import SessionDep
from gipkit.fields import Day
from gipkit.routing import api_router

router = api_router("/api/v1/entitlements", tags=["entitlements"])


@router.get(
    "",
    response_model=Entitlement,
    summary="Is a member (or one of its projects) entitled to a prestation on a day?",
)
async def entitlement(
    _: ServiceOrAdmin,
    session: SessionDep,
    member: Annotated[str, Query(max_length=63, pattern=SLUG_PATTERN)],
    prestation: Annotated[str, Query(max_length=40, pattern=CODE_PATTERN)],
    project: Annotated[str | None, Query(max_length=63, pattern=SLUG_PATTERN)] = None,
    on: Annotated[Day | None, Query(description="Default: today (Europe/Paris)")] = None,
) -> Entitlement:
    day: date = on or today()
    return await service.check(
        session=session, member=member, project=project, prestation=prestation, on=day
    )
