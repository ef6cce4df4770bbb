"""A member's people in the IdP (administrators and viewers), as the API shows them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from tenants.common.schemas import Email, Name, PublicModel, RequestModel

MemberRole = Literal["member-admin", "member-viewer"]
Username = Annotated[
    str,
    StringConstraints(min_length=3, max_length=100, pattern=r"^[a-z0-9][a-z0-9._@-]{2,99}$"),
]
USER_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class UserInvite(RequestModel):
    email: Email
    role: MemberRole
    username: Username | None = Field(default=None, description="Defaults to the e-mail address")
    first_name: Name | None = None
    last_name: Name | None = None


class UserPublic(PublicModel):
    id: str
    username: str
    email: str | None
    first_name: str | None
    last_name: str | None
    enabled: bool
    roles: list[str] = Field(description="The member roles the user holds")


class UserInvited(UserPublic):
    invitation_sent: bool = Field(
        description="Whether the IdP e-mailed the link to set a password (false: no mail server)"
    )
