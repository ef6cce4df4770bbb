"""Establishments, headcounts and networks as the API reads and writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from tenants.common import validation as v
from tenants.common.schemas import (
    Count,
    Name,
    PublicModel,
    RequestModel,
    ShortText,
    Uai,
    updatable,
)
from tenants.establishments.models import EstablishmentType


class EstablishmentBase(RequestModel):
    name: Name
    type: EstablishmentType
    commune: ShortText
    academie: ShortText = Field(examples=["Versailles"])


class EstablishmentCreate(EstablishmentBase):
    uai: Uai = Field(description="Identifier, immutable")


class EstablishmentUpdate(RequestModel):
    name: Name = updatable()
    type: EstablishmentType = updatable()
    commune: ShortText = updatable()
    academie: ShortText = updatable()


class EstablishmentPublic(PublicModel):
    uai: str
    name: str
    type: EstablishmentType
    commune: str
    academie: str
    created_at: datetime
    updated_at: datetime


class HeadcountIn(RequestModel):
    pupils: Count
    teachers: Count
    staff: Count = Field(description="Other staff")


class HeadcountPublic(PublicModel):
    school_year: str
    pupils: int
    teachers: int
    staff: int
    updated_at: datetime


def _network(value: str) -> str:
    return str(v.parse_network(value))


Cidr = Annotated[
    str,
    Field(
        max_length=49,
        json_schema_extra={"format": v.CIDR_FORMAT},
        description=(
            "IPv4 or IPv6 network in CIDR notation without host bits, at most /8 (IPv4) or "
            "/32 (IPv6) wide; not loopback, link-local, multicast or reserved."
        ),
        examples=["192.0.2.0/24", "2001:db8:42::/48"],
    ),
    AfterValidator(_network),
]


class NetworkCreate(RequestModel):
    cidr: Cidr
    label: ShortText | None = None


class NetworkPublic(PublicModel):
    id: int
    cidr: str
    version: int
    label: str | None
    created_at: datetime


class Networks(PublicModel):
    uai: str
    networks: list[NetworkPublic]


class RowError(PublicModel):
    line: int = Field(description="Line of the file (the header is line 1)")
    field: str | None = Field(description="Column, when one column is at fault")
    reason: str


class ImportReport(PublicModel):
    """Valid rows are stored, invalid rows are listed; importing the same file again changes
    nothing (every row is `unchanged`)."""

    rows: int = Field(description="Data rows read")
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[RowError]
