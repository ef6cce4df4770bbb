"""Establishments (schools, identified by their UAI), their yearly headcounts and the networks
they declare (DESIGN.md §3)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field

from gipkit.types import UTCDateTime, utcnow
from tenants.models import TableBase


class EstablishmentType(StrEnum):
    ecole = "ecole"
    college = "college"
    lycee = "lycee"
    lycee_professionnel = "lycee-professionnel"
    lycee_agricole = "lycee-agricole"
    erea = "erea"
    other = "other"


class Establishment(TableBase, table=True):
    __tablename__ = "establishment"

    id: int | None = Field(default=None, primary_key=True)
    uai: str = Field(max_length=8, unique=True)
    name: str = Field(max_length=200)
    type: str = Field(max_length=30)
    commune: str = Field(max_length=100)
    academie: str = Field(max_length=100, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Headcount(TableBase, table=True):
    """Pupils, teachers and other staff of one establishment for one school year."""

    __tablename__ = "headcount"
    __table_args__ = (
        CheckConstraint("pupils >= 0 AND teachers >= 0 AND staff >= 0", name="non_negative"),
    )

    establishment_id: int = Field(foreign_key="establishment.id", primary_key=True)
    school_year: str = Field(max_length=9, primary_key=True)
    pupils: int
    teachers: int
    staff: int
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Network(TableBase, table=True):
    """A network an establishment declares (CIDR), to tell access from inside from outside."""

    __tablename__ = "network"
    __table_args__ = (UniqueConstraint("establishment_id", "cidr"),)

    id: int | None = Field(default=None, primary_key=True)
    establishment_id: int = Field(foreign_key="establishment.id", index=True)
    # Normalised text (`ipaddress` form): the longest, an IPv6 /128, is 43 characters.
    cidr: str = Field(max_length=43)
    version: int
    label: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
