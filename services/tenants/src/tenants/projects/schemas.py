"""ENT projects and their establishments as the API reads and writes them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from gipkit.fields import Day
from tenants.common.pagination import Page
from tenants.common.schemas import (
    Name,
    Origin,
    PublicModel,
    RequestModel,
    ShortText,
    Slug,
    Uai,
    updatable,
)
from tenants.establishments.models import EstablishmentType

SiteId = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{6}$",
        description="Site number of the national tagging guide (6 digits)",
        examples=["920001"],
    ),
]
Cofunders = Annotated[list[Slug], Field(max_length=50, description="Other funding members (slugs)")]
Origins = Annotated[
    list[Origin],
    Field(max_length=50, description="Browser origins allowed to send the tag's hits"),
]


class ProjectCreate(RequestModel):
    slug: Slug = Field(description="Identifier, immutable")
    name: Name
    vendor: ShortText = Field(examples=["Kosmos"])
    site_id: SiteId
    responsible: Slug = Field(description="The funding member responsible for the project")
    cofunders: Cofunders = Field(default_factory=list)
    allowed_origins: Origins = Field(default_factory=list)


class ProjectUpdate(RequestModel):
    name: Name = updatable()
    vendor: ShortText = updatable()
    site_id: SiteId = updatable()
    responsible: Slug = updatable(description="The funding member responsible for the project")
    cofunders: Cofunders = updatable(description="Replaces the other funding members")
    allowed_origins: Origins = updatable(description="Replaces the allowed origins")


class Funder(PublicModel):
    member: str
    responsible: bool


class ProjectPublic(PublicModel):
    slug: str
    name: str
    vendor: str
    site_id: str
    funders: list[Funder] = Field(description="The responsible member first")
    members: list[str] = Field(description="Slugs of the funding members (as in `funders`)")
    responsible_member: str
    allowed_origins: list[str]
    created_at: datetime
    updated_at: datetime


class MembershipCreate(RequestModel):
    uai: Uai
    valid_from: Day = Field(description="First day the establishment belongs to the project")


class MembershipUpdate(RequestModel):
    valid_to: Day | None = Field(
        description="Last day the establishment belongs to the project (detach); null: no end"
    )


class MembershipPublic(PublicModel):
    id: int
    project: str
    uai: str
    valid_from: date
    valid_to: date | None
    created_at: datetime


class ProjectEstablishment(PublicModel):
    uai: str
    name: str
    type: EstablishmentType
    commune: str
    academie: str
    valid_from: date
    valid_to: date | None


class ProjectEstablishmentsPage(Page[ProjectEstablishment]):
    project: str
    on: date | None = Field(description="The date asked about; null: every period")
