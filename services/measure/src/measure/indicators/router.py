"""`GET /api/v1/indicators`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from gipkit.db import SessionDep
from gipkit.errors import problem_responses
from gipkit.fields import Day
from measure.common.deps import DirectoryDep, Reader
from measure.indicators import periods, service
from measure.indicators.schemas import Compare, GroupBy, Indicators
from measure.indicators.scopes import SCOPE_PATTERN

router = APIRouter(prefix="/api/v1/indicators", tags=["indicators"])


@router.get(
    "",
    response_model=Indicators,
    response_model_by_alias=True,
    summary="Visits, unique visitors and page views of a scope over a period",
    description=(
        "Method v1 (see the README): visits by the 30-minute rule, dated by their first hit in "
        "Europe/Paris; unique visitors exact over any period within a project, summed over "
        "projects above one. The period is `period` (ISO week, month, quarter, school "
        "year) and/or `from` and `to` (both included; defaults: the school year so far; at "
        "most 800 days; the answer's `from` and `to` say the range used). `gip-admin` and "
        "`service` see every scope; members and partners their organisation's (another's is "
        "a 404)."
    ),
    responses=problem_responses(403, 404, 502, 503, 504),
)
async def get_indicators(
    principal: Reader,
    session: SessionDep,
    directory: DirectoryDep,
    scope: Annotated[
        str,
        Query(
            pattern=SCOPE_PATTERN,
            description="`national`, `project:<slug>`, `member:<slug>` or `uai:<UAI>`",
        ),
    ],
    period: Annotated[
        str | None,
        Query(
            pattern=periods.PERIOD_PATTERN,
            description="`2026-03-04`, `2026-W10`, `2026-03`, `2026-Q1` or `2025-2026`",
        ),
    ] = None,
    # ISO days only: a bare number would otherwise be read as a Unix time (`to=0`).
    date_from: Annotated[Day | None, Query(alias="from")] = None,
    date_to: Annotated[Day | None, Query(alias="to")] = None,
    group_by: GroupBy | None = None,
    compare: Compare | None = None,
) -> Indicators:
    start, end = periods.resolve(period, date_from, date_to)
    return await service.indicators(
        session=session,
        directory=directory,
        principal=principal,
        scope=scope,
        start=start,
        end=end,
        group_by=group_by,
        compare=compare is not None,
    )
