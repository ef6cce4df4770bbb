"""Members as the API reads and writes them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from gipkit.fields import Day
from tenants.common.schemas import (
    Domain,
    Email,
    Name,
    PublicModel,
    RequestModel,
    Siren,
    Slug,
    updatable,
)
from tenants.members.models import College, IdpStatus, Kind

Status = Literal["active", "left"]


class MemberBase(RequestModel):
    name: Name
    kind: Kind
    siren: Siren | None = None
    domain: Domain | None = Field(
        default=None, description="Internet domain of the member, given to its IdP organisation"
    )
    contact_name: Name | None = None
    contact_email: Email | None = None


class MemberCreate(MemberBase):
    slug: Slug = Field(description="Identifier, immutable; the alias of its IdP organisation")
    college: College | None = Field(
        default=None, description="Defaults from `kind` (region → collectivites, …)"
    )
    joined_on: Day | None = Field(default=None, description="Defaults to today")


class MemberUpdate(RequestModel):
    """Only the fields sent change; `null` clears an optional field."""

    name: Name = updatable()
    kind: Kind = updatable()
    college: College = updatable()
    siren: Siren | None = None
    domain: Domain | None = None
    contact_name: Name | None = None
    contact_email: Email | None = None
    joined_on: Day = updatable()


class MemberLeave(RequestModel):
    left_on: Day = Field(description="Last day of membership")


class MemberPublic(PublicModel):
    slug: str
    name: str
    kind: Kind
    college: College
    siren: str | None
    domain: str | None
    contact_name: str | None
    contact_email: str | None
    joined_on: date
    left_on: date | None
    status: Status
    idp_status: IdpStatus
    idp_org_id: str | None
    created_at: datetime
    updated_at: datetime


class MemberSummary(PublicModel):
    """What a member's machine clients may know about it."""

    slug: str
    name: str
    kind: Kind
    college: College
    status: Status


class Headcount(PublicModel):
    """Pupils, teachers and staff of the establishments of a member's projects."""

    member: str
    school_year: str
    on: date = Field(description="Date at which project membership was taken")
    establishments: int = Field(description="Establishments counted")
    without_headcount: int = Field(description="Of which have no headcount for the school year")
    pupils: int
    teachers: int
    staff: int
    projects: list[str] = Field(description="The member's projects that were counted")
