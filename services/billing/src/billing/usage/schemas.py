"""Usage events as other services send them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field

from billing.common.schemas import Code, Label, RequestModel, Slug
from gipkit.fields import AS_JSON_INTEGER

IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9._:~-]{1,200}$"


class UsageCreate(RequestModel):
    member: Slug
    project: Slug | None = None
    prestation: Code = Field(
        description="Code of the prestation used, in the catalogue of the "
        "year the usage occurred (Europe/Paris)"
    )
    quantity: Annotated[int, Field(ge=1, le=1_000_000), AS_JSON_INTEGER] = 1
    occurred_at: AwareDatetime = Field(description="When it happened, with its time zone")
    kind: Code | None = Field(default=None, description="What was used: `note`, `api_call` …")
    reference: Label | None = Field(
        default=None, description="The caller's reference of what was used (a note's id …)"
    )


class UsagePublic(BaseModel):
    id: int
    member: str
    project: str | None
    prestation: str
    year: int
    quantity: int
    occurred_at: datetime
    kind: str | None = None
    reference: str | None = None
    recorded_at: datetime
