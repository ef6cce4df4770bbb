"""A member's users live in the IdP only: tenants keeps no copy, so there is nothing to get
out of step. Every call needs the member's organisation, provisioned on the way if it was
pending."""

from __future__ import annotations

from tenants.idp.deps import http_error
from tenants.idp.port import IdentityProvider, IdpError, IdpUnavailable, IdpUser, NewUser
from tenants.members.models import IdpStatus, Member
from tenants.members.service import provision
from tenants.users.schemas import UserInvite


async def organization_of(*, idp: IdentityProvider, member: Member) -> str:
    if member.idp_status != IdpStatus.provisioned or member.idp_org_id is None:
        await provision(idp=idp, member=member)
    if member.idp_org_id is None or member.idp_status != IdpStatus.provisioned:
        raise http_error(IdpUnavailable(member.idp_error or "organisation not provisioned"))
    return member.idp_org_id


async def list_users(
    *, idp: IdentityProvider, member: Member, first: int, max_results: int
) -> list[IdpUser]:
    org_id = await organization_of(idp=idp, member=member)
    try:
        return await idp.list_organization_users(org_id, first=first, max_results=max_results)
    except IdpError as exc:
        raise http_error(exc) from exc


async def invite(
    *, idp: IdentityProvider, member: Member, data: UserInvite
) -> tuple[IdpUser, bool]:
    org_id = await organization_of(idp=idp, member=member)
    user = NewUser(
        username=(data.username or data.email).lower(),
        email=data.email.lower(),
        first_name=data.first_name,
        last_name=data.last_name,
        role=data.role,
    )
    try:
        return await idp.invite_user(org_id, user)
    except IdpError as exc:
        raise http_error(exc) from exc


async def remove(*, idp: IdentityProvider, member: Member, user_id: str) -> None:
    org_id = await organization_of(idp=idp, member=member)
    try:
        await idp.remove_user(org_id, user_id)
    except IdpError as exc:
        raise http_error(exc) from exc
