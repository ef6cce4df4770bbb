"""What the notes API reads and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from gipkit.fields import Day
from reports.common.periods import NAMED_PERIOD_PATTERN
from reports.common.scopes import SCOPE_PATTERN
from reports.composition.figures import NoteFigures

NOTE_ID_PATTERN = r"^[0-9a-f]{32}$"

NamedPeriod = Annotated[str, StringConstraints(pattern=NAMED_PERIOD_PATTERN)]


class CustomPeriod(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: Day = Field(alias="from", description="First day (Europe/Paris)")
    to: Day = Field(description="Last day; the two dates may come in either order")


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: str = Field(
        pattern=SCOPE_PATTERN,
        description="`national`, `member:<slug>`, `project:<slug>` or `uai:<UAI>`",
        examples=["member:hauts-de-seine"],
    )
    period: NamedPeriod | CustomPeriod = Field(
        description="A quarter (`2026-Q1`), a school year (`2025-2026`) or `{from, to}`; "
        "custom dates are brought into [2000-01-01, today + 366 days]",
        examples=["2026-Q1"],
    )


class PeriodPublic(BaseModel):
    kind: str
    label: str
    start: date
    end: date


class NoteSummary(BaseModel):
    id: str
    scope: str
    scope_label: str
    period: PeriodPublic
    method_version: str
    data_cutoff: datetime = Field(description="Every hit measure accepted before is counted")
    figures_sha256: str = Field(description="SHA-256 of the canonical JSON of `figures`")
    trigger: str = Field(description="`request` or `quarterly` (the quarterly command)")
    created_at: datetime


class NotePublic(NoteSummary):
    inputs: dict[str, Any] = Field(description="What the figures were computed from")
    figures: NoteFigures
