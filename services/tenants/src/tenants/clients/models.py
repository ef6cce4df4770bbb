"""Machine clients of members: ENT platforms sending hits, partners pulling notes.

The client itself (and its secret) lives in the IdP; tenants records which member it belongs
to and its kind. The secret is never stored here: it is shown once, when made.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field

from gipkit.types import UTCDateTime, utcnow
from tenants.models import TableBase


class ClientKind(StrEnum):
    ent_ingest = "ent-ingest"
    partner = "partner"


class Client(TableBase, table=True):
    __tablename__ = "client"

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=100, unique=True)
    idp_id: str = Field(max_length=64)
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: str = Field(max_length=20)
    name: str = Field(max_length=200)
    enabled: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    secret_rotated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
