"""Members: the bodies that fund the GIP (DESIGN.md §3)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field

from gipkit.types import UTCDateTime, utcnow
from tenants.models import TableBase


class Kind(StrEnum):
    cdc = "cdc"
    ministry = "ministry"
    academie = "academie"
    region = "region"
    departement = "departement"
    commune = "commune"
    epci = "epci"
    other = "other"


class College(StrEnum):
    """The three thirds of the convention (plus members outside them)."""

    cdc = "cdc"
    state = "state"
    collectivites = "collectivites"
    other = "other"


# The college a kind of member belongs to unless told otherwise.
DEFAULT_COLLEGE = {
    Kind.cdc: College.cdc,
    Kind.ministry: College.state,
    Kind.academie: College.state,
    Kind.region: College.collectivites,
    Kind.departement: College.collectivites,
    Kind.commune: College.collectivites,
    Kind.epci: College.collectivites,
    Kind.other: College.other,
}


class IdpStatus(StrEnum):
    pending = "pending"  # not (or not fully) in the IdP yet: reconcile will do it
    provisioned = "provisioned"


class Member(TableBase, table=True):
    __tablename__ = "member"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=63, unique=True)
    name: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=20)
    college: str = Field(max_length=20, index=True)
    siren: str | None = Field(default=None, max_length=9)
    domain: str | None = Field(default=None, max_length=253)
    contact_name: str | None = Field(default=None, max_length=200)
    contact_email: str | None = Field(default=None, max_length=254)
    joined_on: date
    left_on: date | None = None
    idp_status: str = Field(max_length=20, default=IdpStatus.pending, index=True)
    idp_org_id: str | None = Field(default=None, max_length=64)
    idp_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def status_on(self, day: date) -> str:
        """`left` once the last day of membership (`left_on`, inclusive) is past."""
        return "left" if self.left_on is not None and self.left_on < day else "active"
