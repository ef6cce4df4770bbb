"""/api/v1/members/{member}/users: a member's administrators and viewers (in the IdP)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Response

from gipkit.db import SessionDep
from gipkit.errors import problem_responses
from gipkit.idempotency import Answer, idempotent_responses
from gipkit.routing import api_router
from tenants.common.access import MemberManager, Reader
from tenants.common.idempotency import OnceDep
from tenants.common.pagination import Page, PageDep, encode_cursor
from tenants.common.params import SlugPath
from tenants.idp.deps import IdpDep
from tenants.idp.port import IdpUser
from tenants.members import service as members
from tenants.users import service
from tenants.users.schemas import USER_ID_PATTERN, UserInvite, UserInvited, UserPublic

router = api_router("/api/v1/members", tags=["users"])

UserIdPath = Annotated[str, Path(pattern=USER_ID_PATTERN)]
IDP_ERRORS = problem_responses(404, 502, 503)


def public(user: IdpUser) -> UserPublic:
    return UserPublic(
        id=user.id,
        username=user.username,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        enabled=user.enabled,
        roles=list(user.roles),
    )


@router.get(
    "/{member}/users",
    response_model=Page[UserPublic],
    summary="The member's users (from the IdP)",
    responses=IDP_ERRORS,
)
async def list_users(
    member: SlugPath, principal: Reader, session: SessionDep, idp: IdpDep, page: PageDep
) -> Page[UserPublic]:
    found = await members.get_visible(session=session, principal=principal, slug=member)
    # The IdP pages by offset: here the cursor is the offset of the next page.
    users = await service.list_users(
        idp=idp, member=found, first=page.after, max_results=page.limit + 1
    )
    more = len(users) > page.limit
    return Page(
        items=[public(u) for u in users[: page.limit]],
        next_cursor=encode_cursor(page.after + page.limit) if more else None,
    )


@router.post(
    "/{member}/users",
    status_code=201,
    response_model=UserInvited,
    summary="Invite an administrator or viewer of the member",
    description=(
        "Creates the user in the IdP with the role, in the member's organisation, and asks "
        "the IdP to e-mail the link to set a password. An existing username or e-mail is a "
        "conflict: an account is never moved from one organisation to another. Idempotent "
        "with an `Idempotency-Key`: a retry answers the first invitation again, without "
        "inviting twice."
    ),
    responses={**IDP_ERRORS, **idempotent_responses(201)},
)
async def invite_user(
    member: SlugPath,
    body: UserInvite,
    principal: MemberManager,
    session: SessionDep,
    idp: IdpDep,
    once: OnceDep,
) -> Response:
    async def write() -> Answer:
        found = await members.get_visible(session=session, principal=principal, slug=member)
        user, sent = await service.invite(idp=idp, member=found, data=body)
        invited = UserInvited(**public(user).model_dump(), invitation_sent=sent)
        return Answer(201, invited.model_dump(mode="json"))

    return await once(body, write)


@router.delete(
    "/{member}/users/{user_id}",
    status_code=204,
    summary="Remove a user from the member's organisation",
    responses=IDP_ERRORS,
)
async def remove_user(
    member: SlugPath,
    user_id: UserIdPath,
    principal: MemberManager,
    session: SessionDep,
    idp: IdpDep,
) -> Response:
    found = await members.get_visible(session=session, principal=principal, slug=member)
    await service.remove(idp=idp, member=found, user_id=user_id)
    return Response(status_code=204)
