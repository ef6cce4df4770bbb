"""Building blocks of the request and answer models, with the patterns the OpenAPI states."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from gipkit.fields import AS_JSON_INTEGER


class RequestModel(BaseModel):
    """Base of request bodies: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class PublicModel(BaseModel):
    """Base of answers: built from table rows."""

    model_config = ConfigDict(from_attributes=True)


class College(StrEnum):
    cdc = "cdc"
    state = "state"
    collectivites = "collectivites"
    other = "other"


# tenants' slugs: DNS-label shaped (the alias of the member's IdP organisation).
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
CODE_PATTERN = r"^[a-z0-9](?:[a-z0-9_-]{0,38}[a-z0-9])?$"
TEXT_PATTERN = r"^[^\x00-\x20\x7f][^\x00-\x1f\x7f]*$"
SCHOOL_YEAR_PATTERN = "^(?:" + "|".join(f"{y}-{y + 1}" for y in range(2000, 2099)) + ")$"
INVOICE_NUMBER_PATTERN = r"^GIP-[0-9]{4}-[0-9]{6}$"
CREDIT_NOTE_NUMBER_PATTERN = r"^GIP-AV-[0-9]{4}-[0-9]{6}$"
FIRST_YEAR, LAST_YEAR = 2000, 2099


Slug = Annotated[str, StringConstraints(min_length=1, max_length=63, pattern=SLUG_PATTERN)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=CODE_PATTERN)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=TEXT_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=TEXT_PATTERN)]
SchoolYear = Annotated[str, Field(pattern=SCHOOL_YEAR_PATTERN, examples=["2025-2026"])]
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR, examples=[2026]), AS_JSON_INTEGER]
Cents = Annotated[int, Field(ge=0, le=10**12, description="Integer cents"), AS_JSON_INTEGER]
PositiveCents = Annotated[int, Field(ge=1, le=10**12, description="Integer cents"), AS_JSON_INTEGER]
Count = Annotated[int, Field(ge=0, le=10**10), AS_JSON_INTEGER]
SharePart = Annotated[int, Field(ge=0, le=1_000_000), AS_JSON_INTEGER]


SlugPath = Annotated[str, Path(max_length=63, pattern=SLUG_PATTERN)]
CodePath = Annotated[str, Path(max_length=40, pattern=CODE_PATTERN)]
YearPath = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR)]
IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
SlugQuery = Annotated[str | None, Query(max_length=63, pattern=SLUG_PATTERN)]
CodeQuery = Annotated[str | None, Query(max_length=40, pattern=CODE_PATTERN)]
YearQuery = Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR)]


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def updatable(**kwargs: Any) -> Any:
    """A field an update may leave out but not set to null."""
    return Field(default=None, json_schema_extra=_no_default, **kwargs)


def fraction_text(value: Any) -> str:
    """An exact fraction as `p/q` (or `p` when whole)."""
    from fractions import Fraction

    f = Fraction(value)
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"
