"""/api/v1/establishments: schools by UAI, their headcounts, their networks, CSV import."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request, Response

from gipkit.db import SessionDep
from gipkit.errors import (
    FieldError,
    PayloadTooLarge,
    Unprocessable,
    UnsupportedMediaType,
    problem_responses,
)
from gipkit.french import Reason, prefers_french
from gipkit.idempotency import Answer, idempotent_responses
from gipkit.routing import api_router
from tenants.common import validation as v
from tenants.common.access import Admin, Reader, visible_slugs
from tenants.common.etag import IfNoneMatch, cacheable, etag_responses
from tenants.common.idempotency import OnceDep
from tenants.common.pagination import Page, PageDep, make_page
from tenants.common.params import SchoolYearPath, UaiPath
from tenants.establishments import csv_import, repository, service
from tenants.establishments.models import EstablishmentType
from tenants.establishments.schemas import (
    EstablishmentCreate,
    EstablishmentPublic,
    EstablishmentUpdate,
    HeadcountIn,
    HeadcountPublic,
    ImportReport,
    NetworkCreate,
    NetworkPublic,
    Networks,
    RowError,
)

router = api_router("/api/v1/establishments", tags=["establishments"])

MAX_IMPORT_BYTES = 10 * 1024 * 1024
CSV_TYPES = ("text/csv", "text/plain")
NetworkIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", response_model=Page[EstablishmentPublic], summary="List establishments")
async def list_establishments(
    principal: Reader,
    session: SessionDep,
    page: PageDep,
    academie: Annotated[str | None, Query(max_length=100, pattern=v.TEXT_PATTERN)] = None,
    type: Annotated[EstablishmentType | None, Query()] = None,
    commune: Annotated[str | None, Query(max_length=100, pattern=v.TEXT_PATTERN)] = None,
) -> Page[EstablishmentPublic]:
    rows = await repository.page(
        session,
        page,
        slugs=visible_slugs(principal),
        academie=academie,
        type=type,
        commune=commune,
    )
    return make_page(rows, page, key=lambda e: e.id or 0, public=EstablishmentPublic.model_validate)


@router.post(
    "",
    status_code=201,
    response_model=EstablishmentPublic,
    summary="Register an establishment",
    description="Idempotent with an `Idempotency-Key`.",
    responses=idempotent_responses(201),
)
async def create_establishment(
    body: EstablishmentCreate,
    principal: Admin,
    session: SessionDep,
    once: OnceDep,
) -> Response:
    async def write() -> Answer:
        establishment = await service.create(session=session, data=body)
        created = EstablishmentPublic.model_validate(establishment)
        location = {"Location": f"/api/v1/establishments/{establishment.uai}"}
        return Answer(201, created.model_dump(mode="json"), headers=location)

    return await once(body, write)


@router.post(
    "/import",
    response_model=ImportReport,
    summary="Import establishments (and headcounts) from CSV",
    description=(
        "UTF-8 CSV whose first line is `uai,name,type,commune,academie`, optionally followed "
        "by `,pupils,teachers,staff` (the headcounts of `school_year`); `;` or tab may "
        "separate. Valid rows are stored, invalid rows are listed with their line number; "
        "importing the same file again changes nothing. A file that is not UTF-8 or lacks "
        "the header is refused whole (422). With an `Idempotency-Key`, a retry of the same "
        "file answers the first import's report again."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                media: {
                    "schema": {
                        "type": "string",
                        "maxLength": MAX_IMPORT_BYTES,
                        "pattern": csv_import.HEADER_PATTERN,
                    }
                }
                for media in CSV_TYPES
            },
        }
    },
    responses={**problem_responses(413, 415), **idempotent_responses(200)},
)
async def import_establishments(
    request: Request,
    principal: Admin,
    session: SessionDep,
    once: OnceDep,
    school_year: Annotated[
        str | None,
        Query(pattern=v.SCHOOL_YEAR_PATTERN, description="School year of the headcounts"),
    ] = None,
) -> Response:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in CSV_TYPES:
        raise UnsupportedMediaType(
            "send the file as text/csv", fr="envoyez le fichier au format CSV (text/csv)"
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_IMPORT_BYTES:
            raise PayloadTooLarge(
                f"the file is larger than {MAX_IMPORT_BYTES} bytes",
                fr=f"le fichier dépasse {MAX_IMPORT_BYTES} octets",
            )
    # The reasons of a refused file or line in the caller's language (the console: French).
    french = prefers_french(request.headers.get("accept-language"))
    text = csv_import.decode(bytes(body))
    if text is None:
        utf8 = Reason("the file must be UTF-8", fr="le fichier doit être encodé en UTF-8")
        raise Unprocessable(errors=[FieldError(field="body", reason=utf8.said(french))])
    if reason := csv_import.header_problem(text):
        raise Unprocessable(errors=[FieldError(field="body", reason=reason.said(french))])

    async def write() -> Answer:
        outcome = await service.import_csv(session=session, text=text, school_year=school_year)
        report = ImportReport(
            rows=outcome.rows,
            created=outcome.created,
            updated=outcome.updated,
            unchanged=outcome.unchanged,
            rejected=len({p.line for p in outcome.problems if p.line > 1}),
            errors=[
                RowError(line=p.line, field=p.field, reason=p.reason.said(french))
                for p in outcome.problems
            ],
        )
        return Answer(200, report.model_dump(mode="json"))

    # The file as sent (and school_year, in the query) is what makes two imports the same.
    return await once(bytes(body), write)


@router.get(
    "/{uai:uai}",
    response_model=EstablishmentPublic,
    summary="An establishment, by UAI",
    responses=problem_responses(404),
)
async def get_establishment(
    uai: UaiPath, principal: Reader, session: SessionDep
) -> EstablishmentPublic:
    establishment = await service.get_visible(session=session, principal=principal, uai=uai)
    return EstablishmentPublic.model_validate(establishment)


@router.patch(
    "/{uai:uai}",
    response_model=EstablishmentPublic,
    summary="Change an establishment (not its UAI)",
    responses=problem_responses(404),
)
async def update_establishment(
    uai: UaiPath, body: EstablishmentUpdate, principal: Admin, session: SessionDep
) -> EstablishmentPublic:
    establishment = await service.get_visible(session=session, principal=principal, uai=uai)
    updated = await service.update(session=session, establishment=establishment, data=body)
    return EstablishmentPublic.model_validate(updated)


@router.get(
    "/{uai:uai}/headcounts",
    response_model=list[HeadcountPublic],
    summary="Headcounts of an establishment, by school year",
    responses=problem_responses(404),
)
async def list_headcounts(
    uai: UaiPath, principal: Reader, session: SessionDep
) -> list[HeadcountPublic]:
    establishment = await service.get_visible(session=session, principal=principal, uai=uai)
    rows = await repository.headcounts(session, establishment.id or 0)
    return [HeadcountPublic.model_validate(h) for h in rows]


@router.put(
    "/{uai:uai}/headcounts/{school_year}",
    response_model=HeadcountPublic,
    summary="Set the headcounts of a school year",
    responses=problem_responses(404),
)
async def put_headcount(
    uai: UaiPath,
    school_year: SchoolYearPath,
    body: HeadcountIn,
    principal: Admin,
    session: SessionDep,
) -> HeadcountPublic:
    establishment = await service.get_visible(session=session, principal=principal, uai=uai)
    headcount = await service.put_headcount(
        session=session, establishment=establishment, school_year=school_year, data=body
    )
    return HeadcountPublic.model_validate(headcount)


@router.get(
    "/{uai:uai}/networks",
    response_model=Networks,
    summary="Networks an establishment declares (cacheable)",
    responses={**etag_responses(Networks), **problem_responses(404)},
)
async def list_networks(
    uai: UaiPath,
    principal: Reader,
    session: SessionDep,
    request: Request,
    _if_none_match: IfNoneMatch = None,
) -> Response:
    establishment = await service.get_visible(session=session, principal=principal, uai=uai)
    rows = await repository.networks(session, establishment.id or 0)
    payload = Networks(uai=uai, networks=[NetworkPublic.model_validate(n) for n in rows])
    return cacheable(request, payload)


@router.post(
    "/{uai:uai}/networks",
    status_code=201,
    response_model=NetworkPublic,
    summary="Declare a network of an establishment",
    description="Idempotent with an `Idempotency-Key`.",
    responses={**problem_responses(404), **idempotent_responses(201)},
)
async def add_network(
    uai: UaiPath,
    body: NetworkCreate,
    principal: Admin,
    session: SessionDep,
    once: OnceDep,
) -> Response:
    async def write() -> Answer:
        establishment = await service.get_visible(session=session, principal=principal, uai=uai)
        network = await service.add_network(session=session, establishment=establishment, data=body)
        return Answer(201, NetworkPublic.model_validate(network).model_dump(mode="json"))

    return await once(body, write)


@router.delete(
    "/{uai:uai}/networks/{network_id}",
    status_code=204,
    summary="Withdraw a declared network",
    responses=problem_responses(404),
)
async def remove_network(
    uai: UaiPath, network_id: NetworkIdPath, principal: Admin, session: SessionDep
) -> Response:
    establishment = await service.get_visible(session=session, principal=principal, uai=uai)
    await service.remove_network(
        session=session, establishment=establishment, network_id=network_id
    )
    return Response(status_code=204)
