"""/api/v1/members: the register of members, their IdP organisations."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from gipkit.auth import GIP_ADMIN, Principal
from gipkit.clock import today
from gipkit.db import SessionDep
from gipkit.errors import Forbidden, problem_responses
from gipkit.fields import Day
from gipkit.idempotency import Answer, idempotent_responses
from gipkit.routing import api_router
from tenants.common import validation as v
from tenants.common.access import Admin, AnyRole, MemberManager, Reader, visible_slugs
from tenants.common.etag import IfNoneMatch, cacheable, etag_responses
from tenants.common.idempotency import OnceDep
from tenants.common.pagination import Page, PageDep, make_page
from tenants.common.params import SlugPath
from tenants.common.validation import school_year_start
from tenants.idp.deps import IdpDep
from tenants.members import repository, service
from tenants.members.models import College, Kind, Member
from tenants.members.schemas import (
    Headcount,
    MemberCreate,
    MemberLeave,
    MemberPublic,
    MemberSummary,
    MemberUpdate,
    Status,
)
from tenants.projects import service as projects

router = api_router("/api/v1/members", tags=["members"])

# A member's administrator may correct its details but not its standing in the convention:
# its college and kind decide its share of the costs.
STANDING_FIELDS = ("college", "kind")


def public(member: Member) -> MemberPublic:
    return MemberPublic.model_validate({**member.model_dump(), "status": member.status_on(today())})


@router.get("", response_model=Page[MemberPublic], summary="List members")
async def list_members(
    principal: Reader,
    session: SessionDep,
    page: PageDep,
    college: Annotated[College | None, Query()] = None,
    kind: Annotated[Kind | None, Query()] = None,
    status: Annotated[Status | None, Query()] = None,
) -> Page[MemberPublic]:
    rows = await repository.page(
        session,
        page,
        slugs=visible_slugs(principal),
        college=college,
        kind=kind,
        status=status,
        today=today(),
    )
    return make_page(rows, page, key=lambda m: m.id or 0, public=public)


@router.post(
    "",
    status_code=201,
    response_model=MemberPublic,
    summary="Create a member and its IdP organisation",
    description=(
        "The member is stored even when the IdP cannot be reached: it then has "
        "`idp_status=pending`, and `POST /api/v1/idp/reconcile` provisions it later. "
        "Idempotent with an `Idempotency-Key`."
    ),
    responses=idempotent_responses(201),
)
async def create_member(
    body: MemberCreate,
    principal: Admin,
    session: SessionDep,
    idp: IdpDep,
    once: OnceDep,
) -> Response:
    async def write() -> Answer:
        member = await service.create(session=session, idp=idp, data=body, today=today())
        location = {"Location": f"/api/v1/members/{member.slug}"}
        return Answer(201, public(member).model_dump(mode="json"), headers=location)

    return await once(body, write)


@router.get(
    "/{member}",
    response_model=MemberPublic,
    summary="A member, by slug (cacheable)",
    responses={**etag_responses(MemberPublic), **problem_responses(404)},
)
async def get_member(
    member: SlugPath,
    principal: Reader,
    session: SessionDep,
    request: Request,
    _if_none_match: IfNoneMatch = None,
) -> Response:
    found = await service.get_visible(session=session, principal=principal, slug=member)
    return cacheable(request, public(found))


def _ensure_may_change(principal: Principal, member: Member, body: MemberUpdate) -> None:
    if principal.has_role(GIP_ADMIN):
        return
    changed = [
        f
        for f in STANDING_FIELDS
        if f in body.model_fields_set and getattr(body, f) != getattr(member, f)
    ]
    if changed:
        raise Forbidden(
            f"only the GIP may change a member's {' and '.join(changed)}",
            fr=f"seul le GIP peut modifier ces champs d'un membre : {', '.join(changed)}",
        )


@router.patch(
    "/{member}",
    response_model=MemberPublic,
    summary="Change a member's details",
    description="A member administrator may change its own member, except college and kind.",
    responses=problem_responses(404, 409),
)
async def update_member(
    member: SlugPath, body: MemberUpdate, principal: MemberManager, session: SessionDep, idp: IdpDep
) -> MemberPublic:
    found = await service.get_visible(session=session, principal=principal, slug=member)
    _ensure_may_change(principal, found, body)
    updated = await service.update(session=session, idp=idp, member=found, data=body)
    return public(updated)


@router.post(
    "/{member}/leave",
    response_model=MemberPublic,
    summary="Record that a member leaves (its history stays)",
    responses=problem_responses(404, 409),
)
async def leave_member(
    member: SlugPath, body: MemberLeave, principal: Admin, session: SessionDep
) -> MemberPublic:
    found = await service.get_visible(session=session, principal=principal, slug=member)
    left = await service.leave(session=session, member=found, left_on=body.left_on)
    return public(left)


@router.get(
    "/{member}/summary",
    response_model=MemberSummary,
    summary="Who a member is, for its own machine clients too",
    responses=problem_responses(404),
)
async def member_summary(
    member: SlugPath, principal: AnyRole, session: SessionDep
) -> MemberSummary:
    found = await service.get_visible(session=session, principal=principal, slug=member)
    return MemberSummary.model_validate(public(found).model_dump())


@router.get(
    "/{member}/headcount",
    response_model=Headcount,
    summary="Pupils, teachers and staff a member covers (cacheable)",
    description=(
        "The headcounts of `school_year`, summed over the establishments that belong on `on` "
        "to the projects the member funds (defaults: 1 September of the school year). "
        "`without_headcount` counts the establishments with no headcount for that year."
    ),
    responses={**etag_responses(Headcount), **problem_responses(404)},
)
async def member_headcount(
    member: SlugPath,
    principal: Reader,
    session: SessionDep,
    request: Request,
    school_year: Annotated[str, Query(pattern=v.SCHOOL_YEAR_PATTERN, examples=["2025-2026"])],
    on: Annotated[Day | None, Query(description="Date of project membership")] = None,
    _if_none_match: IfNoneMatch = None,
) -> Response:
    found = await service.get_visible(session=session, principal=principal, slug=member)
    day = on or school_year_start(school_year)
    covered = await projects.coverage(
        session=session, member=found, school_year=school_year, on=day
    )
    payload = Headcount(
        member=found.slug,
        school_year=school_year,
        on=day,
        establishments=covered.establishments,
        without_headcount=covered.without_headcount,
        pupils=covered.pupils,
        teachers=covered.teachers,
        staff=covered.staff,
        projects=covered.projects,
    )
    return cacheable(request, payload)
