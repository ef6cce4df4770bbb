"""/api/v1/projects: ENT projects, their funders, and their establishments over time."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from gipkit.db import SessionDep
from gipkit.errors import problem_responses
from gipkit.fields import Day
from gipkit.idempotency import Answer, idempotent_responses
from gipkit.routing import api_router
from tenants.common import validation as v
from tenants.common.access import Admin, Reader, visible_slugs
from tenants.common.etag import IfNoneMatch, cacheable, etag_responses
from tenants.common.idempotency import OnceDep
from tenants.common.pagination import Page, PageDep, encode_cursor, make_page
from tenants.common.params import SlugPath
from tenants.common.schemas import Uai
from tenants.establishments.models import Establishment
from tenants.projects import repository, service
from tenants.projects.models import Membership, Project
from tenants.projects.schemas import (
    Funder,
    MembershipCreate,
    MembershipPublic,
    MembershipUpdate,
    ProjectCreate,
    ProjectEstablishment,
    ProjectEstablishmentsPage,
    ProjectPublic,
    ProjectUpdate,
)

router = api_router("/api/v1/projects", tags=["projects"])

MembershipIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
SiteIdPath = Annotated[str, Path(pattern=r"^[0-9]{6}$", examples=["920001"])]


async def public(session: AsyncSession, projects: list[Project]) -> list[ProjectPublic]:
    funders = await repository.funders(session, [p.id or 0 for p in projects])
    return [
        ProjectPublic.model_validate(
            {
                **p.model_dump(),
                "funders": [Funder(member=s, responsible=r) for s, r in funders[p.id or 0]],
                "members": [s for s, _ in funders[p.id or 0]],
                "responsible_member": next(s for s, r in funders[p.id or 0] if r),
            }
        )
        for p in projects
    ]


@router.get("", response_model=Page[ProjectPublic], summary="List ENT projects")
async def list_projects(
    principal: Reader,
    session: SessionDep,
    page: PageDep,
    member: Annotated[
        str | None,
        Query(max_length=63, pattern=v.SLUG_PATTERN, description="Funded by this member"),
    ] = None,
    vendor: Annotated[str | None, Query(max_length=100, pattern=v.TEXT_PATTERN)] = None,
) -> Page[ProjectPublic]:
    rows = await repository.page(
        session, page, slugs=visible_slugs(principal), member=member, vendor=vendor
    )
    kept = rows[: page.limit]
    items = await public(session, kept)
    next_cursor = encode_cursor(kept[-1].id or 0) if len(rows) > page.limit and kept else None
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "",
    status_code=201,
    response_model=ProjectPublic,
    summary="Create an ENT project",
    description="Idempotent with an `Idempotency-Key`.",
    responses={**problem_responses(404), **idempotent_responses(201)},
)
async def create_project(
    body: ProjectCreate,
    principal: Admin,
    session: SessionDep,
    once: OnceDep,
) -> Response:
    async def write() -> Answer:
        project = await service.create(session=session, data=body)
        created = (await public(session, [project]))[0]
        location = {"Location": f"/api/v1/projects/{project.slug}"}
        return Answer(201, created.model_dump(mode="json"), headers=location)

    return await once(body, write)


@router.get(
    "/{project}",
    response_model=ProjectPublic,
    summary="An ENT project",
    responses=problem_responses(404),
)
async def get_project(project: SlugPath, principal: Reader, session: SessionDep) -> ProjectPublic:
    found = await service.get_visible(session=session, principal=principal, slug=project)
    return (await public(session, [found]))[0]


@router.patch(
    "/{project}",
    response_model=ProjectPublic,
    summary="Change an ENT project (not its slug)",
    responses=problem_responses(404, 409),
)
async def update_project(
    project: SlugPath, body: ProjectUpdate, principal: Admin, session: SessionDep
) -> ProjectPublic:
    found = await service.get_visible(session=session, principal=principal, slug=project)
    updated = await service.update(session=session, project=found, data=body)
    return (await public(session, [updated]))[0]


@router.get(
    "/by-site/{site_id:site}",
    response_model=ProjectPublic,
    summary="The ENT project of a site id (cacheable)",
    responses={**etag_responses(ProjectPublic), **problem_responses(404)},
)
async def get_site(
    site_id: SiteIdPath,
    principal: Reader,
    session: SessionDep,
    request: Request,
    _if_none_match: IfNoneMatch = None,
) -> Response:
    found = await service.get_visible_by_site(session=session, principal=principal, site_id=site_id)
    return cacheable(request, (await public(session, [found]))[0])


@router.get(
    "/{project}/establishments",
    response_model=ProjectEstablishmentsPage,
    summary="The establishments of a project on a date, or over time (cacheable)",
    description=(
        "With `on`: the establishments that belong to the project on that date. Without: "
        "every period an establishment belonged to it (an establishment that left and came "
        "back appears once per period), for callers that evaluate dates themselves."
    ),
    responses={**etag_responses(ProjectEstablishmentsPage), **problem_responses(404)},
)
async def establishments_on(
    project: SlugPath,
    principal: Reader,
    session: SessionDep,
    request: Request,
    page: PageDep,
    on: Annotated[Day | None, Query(description="The date; omitted: every period")] = None,
    _if_none_match: IfNoneMatch = None,
) -> Response:
    found = await service.get_visible(session=session, principal=principal, slug=project)
    rows = await repository.establishments_on(session, page, project_id=found.id or 0, day=on)

    def item(row: tuple[Establishment, Membership]) -> ProjectEstablishment:
        establishment, membership = row
        return ProjectEstablishment.model_validate(
            {
                **establishment.model_dump(),
                "valid_from": membership.valid_from,
                "valid_to": membership.valid_to,
            }
        )

    listed = make_page(rows, page, key=lambda r: r[1].id or 0, public=item)
    payload = ProjectEstablishmentsPage(
        items=listed.items, next_cursor=listed.next_cursor, project=found.slug, on=on
    )
    return cacheable(request, payload)


def membership_public(project: Project, membership: Membership, uai: str) -> MembershipPublic:
    return MembershipPublic.model_validate(
        {**membership.model_dump(), "project": project.slug, "uai": uai}
    )


@router.get(
    "/{project}/memberships",
    response_model=Page[MembershipPublic],
    summary="Every period an establishment belonged to the project (history)",
    responses=problem_responses(404),
)
async def list_memberships(
    project: SlugPath,
    principal: Reader,
    session: SessionDep,
    page: PageDep,
    uai: Annotated[Uai | None, Query()] = None,
) -> Page[MembershipPublic]:
    found = await service.get_visible(session=session, principal=principal, slug=project)
    rows = await repository.memberships_page(session, page, project_id=found.id or 0, uai=uai)
    return make_page(
        rows, page, key=lambda r: r[0].id or 0, public=lambda r: membership_public(found, *r)
    )


@router.post(
    "/{project}/memberships",
    status_code=201,
    response_model=MembershipPublic,
    summary="Attach an establishment from a date",
    description=(
        "An establishment belongs to at most one project on any date: a period that meets "
        "another is refused (409, naming the other project in `conflicting_project`). "
        "Idempotent with an `Idempotency-Key`."
    ),
    responses={**problem_responses(404), **idempotent_responses(201)},
)
async def attach(
    project: SlugPath,
    body: MembershipCreate,
    principal: Admin,
    session: SessionDep,
    once: OnceDep,
) -> Response:
    async def write() -> Answer:
        found = await service.get_visible(session=session, principal=principal, slug=project)
        membership = await service.attach(session=session, project=found, data=body)
        created = membership_public(found, membership, body.uai)
        return Answer(201, created.model_dump(mode="json"))

    return await once(body, write)


async def _uai_of(session: AsyncSession, membership: Membership) -> str:
    establishment = await session.get(Establishment, membership.establishment_id)
    assert establishment is not None
    return establishment.uai


@router.patch(
    "/{project}/memberships/{membership_id}",
    response_model=MembershipPublic,
    summary="Detach an establishment on a date (or reopen its membership)",
    responses=problem_responses(404, 409),
)
async def set_end(
    project: SlugPath,
    membership_id: MembershipIdPath,
    body: MembershipUpdate,
    principal: Admin,
    session: SessionDep,
) -> MembershipPublic:
    found = await service.get_visible(session=session, principal=principal, slug=project)
    membership = await service.membership_of(
        session=session, project=found, membership_id=membership_id
    )
    uai = await _uai_of(session, membership)
    updated = await service.set_end(
        session=session, project=found, membership=membership, valid_to=body.valid_to, uai=uai
    )
    return membership_public(found, updated, uai)


@router.delete(
    "/{project}/memberships/{membership_id}",
    status_code=204,
    summary="Delete a membership recorded by mistake",
    responses=problem_responses(404),
)
async def delete_membership(
    project: SlugPath, membership_id: MembershipIdPath, principal: Admin, session: SessionDep
) -> Response:
    found = await service.get_visible(session=session, principal=principal, slug=project)
    membership = await service.membership_of(
        session=session, project=found, membership_id=membership_id
    )
    await service.remove_membership(session=session, membership=membership)
    return Response(status_code=204)
