"""Budget years, prestations and in-kind contributions as the API reads and writes them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from billing.common.schemas import (
    Cents,
    Code,
    College,
    Label,
    PublicModel,
    RequestModel,
    SchoolYear,
    Text,
    Year,
    updatable,
)
from gipkit.fields import AS_JSON_INTEGER


class Kind(StrEnum):
    base = "base"
    option = "option"


class Key(StrEnum):
    students = "students"
    visits = "visits"
    equal = "equal"
    fixed_price = "fixed_price"
    usage = "usage"


def _dedupe(colleges: list[College]) -> list[College]:
    return sorted(set(colleges))


Colleges = Annotated[list[College], Field(min_length=1, max_length=4), AfterValidator(_dedupe)]
VatRate = Annotated[
    int,
    Field(ge=0, le=10_000, description="VAT rate in basis points (2000 = 20 %)"),
    AS_JSON_INTEGER,
]


class BudgetYearCreate(RequestModel):
    year: Year
    label: Label | None = None
    school_year: SchoolYear | None = Field(
        default=None,
        description="Pupils are counted for this school year; default: the one in progress "
        "on 1 January (2025-2026 for 2026).",
    )
    visits_period: Literal["previous_year", "budget_year"] = Field(
        default="previous_year",
        description="Visits are counted over the previous calendar year (the last complete "
        "one when a draft is computed in January) or over the budget year itself.",
    )


class BudgetYearPublic(PublicModel):
    year: int
    label: str
    starts_on: date
    ends_on: date
    school_year: str
    visits_from: date
    visits_to: date
    created_at: datetime


class PrestationCreate(RequestModel):
    code: Code
    label: Label
    kind: Kind
    cost_cents: Cents = Field(description="Yearly cost (HT) shared by the key; 0 for priced keys")
    key: Key
    unit_price_cents: Cents = Field(
        default=0, description="Price (HT) per year (fixed_price, pro-rated) or per unit (usage)"
    )
    vat_rate_bp: VatRate = 0
    colleges: Colleges = Field(
        default_factory=lambda: [College.cdc, College.collectivites, College.state],
        description="Colleges whose members share (base) or may subscribe (option)",
    )


class PrestationUpdate(RequestModel):
    """Only the fields sent change. Frozen runs keep the catalogue they were computed with."""

    label: Label = updatable()
    cost_cents: Cents = updatable()
    key: Key = updatable()
    unit_price_cents: Cents = updatable()
    vat_rate_bp: VatRate = updatable()
    colleges: Colleges = updatable()


class PrestationPublic(PublicModel):
    year: int
    code: str
    label: str
    kind: Kind
    cost_cents: int
    key: Key
    unit_price_cents: int | None
    vat_rate_bp: int
    colleges: list[College]
    created_at: datetime
    updated_at: datetime


class InKindPut(RequestModel):
    amount_cents: Cents
    description: Text


class InKindPublic(PublicModel):
    year: int
    member: str
    amount_cents: int
    description: str
    updated_at: datetime
