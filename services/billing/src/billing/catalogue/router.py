"""/api/v1/budget-years: budget years, their prestations and in-kind contributions."""

from __future__ import annotations

from fastapi import Response

from billing.catalogue import repository, service
from billing.catalogue.models import Prestation
from billing.catalogue.schemas import (
    BudgetYearCreate,
    BudgetYearPublic,
    InKindPublic,
    InKindPut,
    PrestationCreate,
    PrestationPublic,
    PrestationUpdate,
)
from billing.common.access import Admin, Reader, visible_members
from billing.common.pagination import Page, PageDep, make_page
from billing.common.schemas import CodePath, SlugPath, YearPath
from gipkit.db import SessionDep
from gipkit.errors import problem_responses
from gipkit.routing import api_router

router = api_router("/api/v1/budget-years", tags=["catalogue"])


def _prestation(p: Prestation) -> PrestationPublic:
    return PrestationPublic.model_validate(p)


@router.get("", response_model=Page[BudgetYearPublic], summary="List budget years")
async def list_years(_: Reader, session: SessionDep, page: PageDep) -> Page[BudgetYearPublic]:
    rows = await repository.years(session, page)
    return make_page(rows, page, key=lambda y: y.id or 0, public=BudgetYearPublic.model_validate)


@router.post(
    "",
    status_code=201,
    response_model=BudgetYearPublic,
    summary="Open a budget year",
    responses=problem_responses(409),
)
async def create_year(
    body: BudgetYearCreate, _: Admin, session: SessionDep, response: Response
) -> BudgetYearPublic:
    row = await service.create_year(session=session, data=body)
    response.headers["Location"] = f"/api/v1/budget-years/{row.year}"
    return BudgetYearPublic.model_validate(row)


@router.get(
    "/{year}",
    response_model=BudgetYearPublic,
    summary="A budget year",
    responses=problem_responses(404),
)
async def get_year(year: YearPath, _: Reader, session: SessionDep) -> BudgetYearPublic:
    return BudgetYearPublic.model_validate(await service.get_year(session, year))


@router.get(
    "/{year}/prestations",
    response_model=list[PrestationPublic],
    summary="The catalogue of a year",
    responses=problem_responses(404),
)
async def list_prestations(
    year: YearPath, _: Reader, session: SessionDep
) -> list[PrestationPublic]:
    await service.get_year(session, year)
    return [_prestation(p) for p in await repository.prestations(session, year)]


@router.post(
    "/{year}/prestations",
    status_code=201,
    response_model=PrestationPublic,
    summary="Add a prestation to a year's catalogue",
    responses=problem_responses(404, 409),
)
async def create_prestation(
    year: YearPath, body: PrestationCreate, _: Admin, session: SessionDep, response: Response
) -> PrestationPublic:
    row = await service.create_prestation(session=session, year=year, data=body)
    response.headers["Location"] = f"/api/v1/budget-years/{year}/prestations/{row.code}"
    return _prestation(row)


@router.get(
    "/{year}/prestations/{code}",
    response_model=PrestationPublic,
    summary="A prestation",
    responses=problem_responses(404),
)
async def get_prestation(
    year: YearPath, code: CodePath, _: Reader, session: SessionDep
) -> PrestationPublic:
    return _prestation(await service.get_prestation(session, year, code))


@router.patch(
    "/{year}/prestations/{code}",
    response_model=PrestationPublic,
    summary="Change a prestation (runs already computed keep their recorded catalogue)",
    responses=problem_responses(404),
)
async def update_prestation(
    year: YearPath, code: CodePath, body: PrestationUpdate, _: Admin, session: SessionDep
) -> PrestationPublic:
    found = await service.get_prestation(session, year, code)
    return _prestation(
        await service.update_prestation(session=session, prestation=found, data=body)
    )


@router.get(
    "/{year}/in-kind",
    response_model=list[InKindPublic],
    summary="In-kind contributions of a year (a member sees its own)",
    responses=problem_responses(404),
)
async def list_in_kind(
    year: YearPath, principal: Reader, session: SessionDep
) -> list[InKindPublic]:
    await service.get_year(session, year)
    rows = await repository.in_kinds(session, year, visible_members(principal))
    return [InKindPublic.model_validate(r) for r in rows]


@router.put(
    "/{year}/in-kind/{member}",
    response_model=InKindPublic,
    summary="Set a member's in-kind contribution for a year (valued in cents)",
    responses=problem_responses(404, 409),
)
async def put_in_kind(
    year: YearPath, member: SlugPath, body: InKindPut, _: Admin, session: SessionDep
) -> InKindPublic:
    row = await service.put_in_kind(session=session, year=year, member=member, data=body)
    return InKindPublic.model_validate(row)
