"""/api/v1/partner/indicators: indicators for partners, under the notes' rules."""

from __future__ import annotations

from typing import Annotated

from fastapi import BackgroundTasks, Query, Request

from gipkit.clock import today
from gipkit.db import WriteSessionDep
from gipkit.errors import problem_responses
from gipkit.fields import Day
from gipkit.routing import api_router
from reports.common import state
from reports.common.access import Reader
from reports.common.periods import custom
from reports.common.scopes import SCOPE_PATTERN, Scope
from reports.partner import service
from reports.partner.schemas import Compare, GroupBy, IndicatorsPublic
from reports.usage.loop import nudge

router = api_router("/api/v1/partner", tags=["partner"])


@router.get(
    "/indicators",
    response_model=IndicatorsPublic,
    response_model_by_alias=True,
    summary="Indicators of a scope over days, as measure counts them (metered for partners)",
    description=(
        "The same rules as notes: the caller's organisation's scopes only (another one's is a "
        "404; `national` needs gip-admin), subscribed to the notes option in billing (403 "
        "naming the prestation). Each partner call is metered to billing. Dates in either "
        "order, brought into [2000-01-01, today + 366 days]."
    ),
    responses=problem_responses(403, 404, 502, 503, 504),
)
async def partner_indicators(
    principal: Reader,
    session: WriteSessionDep,  # a partner's pull queues usage
    request: Request,
    background: BackgroundTasks,
    scope: Annotated[str, Query(pattern=SCOPE_PATTERN)],
    from_: Annotated[Day, Query(alias="from", description="First day (Europe/Paris)")],
    to: Annotated[Day | None, Query(description="Last day (default: `from`)")] = None,
    group_by: Annotated[GroupBy | None, Query(description="One breakdown")] = None,
    compare: Annotated[Compare | None, Query(description="Add the previous year")] = None,
) -> IndicatorsPublic:
    day = today()
    answer, metered = await service.pull(
        session=session,
        clients=state.clients(request),
        principal=principal,
        scope=Scope.parse(scope),
        period=custom(from_, to or from_, today=day),
        group_by=group_by.value if group_by else None,
        compare=compare is not None,
        settings=state.settings(request),
        today=day,
        cache=state.entitlement_cache(request),
    )
    if metered:
        background.add_task(nudge, request.app)
    return IndicatorsPublic.of(answer)
