"""Building blocks of the request and answer models."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
)

from gipkit.fields import AS_JSON_INTEGER, refusal
from gipkit.french import Reason
from gipkit.uai import UAI_PATTERN, uai_problem
from tenants.common import validation as v


class RequestModel(BaseModel):
    """Base of request bodies.

    Unknown fields are refused, so a misspelt or immutable field (`slug` in an update) is an
    error rather than silently dropped. Integers, booleans and dates use the strict types
    below: what the OpenAPI document calls invalid ("5" for an integer, 0 for a date) is
    refused, not coerced. (Model-wide strict mode would also refuse enum values and ISO dates,
    because FastAPI validates the decoded JSON as Python objects.)
    """

    model_config = ConfigDict(extra="forbid")


class PublicModel(BaseModel):
    """Base of answers: built from table rows."""

    model_config = ConfigDict(from_attributes=True)


Slug = Annotated[str, StringConstraints(min_length=1, max_length=63, pattern=v.SLUG_PATTERN)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=v.TEXT_PATTERN)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=v.TEXT_PATTERN)]
Email = Annotated[str, StringConstraints(max_length=254, pattern=v.EMAIL_PATTERN)]
Domain = Annotated[str, StringConstraints(max_length=253, pattern=v.DOMAIN_PATTERN)]


def _checked(problem: Callable[[str], Reason | None]) -> AfterValidator:
    def check(value: str) -> str:
        reason = problem(value)
        if reason:
            raise refusal(reason, fr=reason.fr)
        return value

    return AfterValidator(check)


Siren = Annotated[
    str,
    Field(
        pattern=v.SIREN_PATTERN,
        json_schema_extra={"format": v.SIREN_FORMAT},
        description="SIREN: 9 digits, the last a Luhn check digit.",
        examples=["180020026"],
    ),
    _checked(v.siren_problem),
]
Uai = Annotated[
    str,
    Field(
        pattern=UAI_PATTERN,
        json_schema_extra={"format": v.UAI_FORMAT},
        description=(
            "UAI: 7 digits then the key letter, the letter at index (number mod 23) of "
            "`ABCDEFGHJKLMNPRSTUVWXYZ`."
        ),
        examples=["0750655E"],
    ),
    _checked(uai_problem),
]
SchoolYear = Annotated[
    str,
    Field(
        pattern=v.SCHOOL_YEAR_PATTERN,
        description="School year, 1 September to 31 August, named like `2025-2026`.",
        examples=["2025-2026"],
    ),
]
Origin = Annotated[
    str,
    StringConstraints(max_length=300, pattern=v.ORIGIN_PATTERN),
    Field(
        description="A browser origin: scheme, host, optional port.",
        examples=["https://ent.example.fr"],
    ),
]


# (Constraints before the validator, or pydantic cannot state them in the JSON schema.)
Count = Annotated[int, Field(ge=0, le=10_000_000), AS_JSON_INTEGER]
Flag = StrictBool


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def updatable(**kwargs: Any) -> Any:
    """A field an update may leave out but not set to null (name, kind, dates …).

    Absent from the body = unchanged (see `model_fields_set`); the schema says neither
    nullable nor defaulted, so `null` is refused as the OpenAPI document says.
    """
    return Field(default=None, json_schema_extra=_no_default, **kwargs)
