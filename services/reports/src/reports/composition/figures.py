"""The figures of a synthesis note: what the JSON representation shows and the hash covers.

A count is an integer, or `"secret"` when statistical secrecy hides it; ratios are rounded
to 4 decimals so that the canonical JSON (and its SHA-256) is the same on every machine.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SECRET: Literal["secret"] = "secret"
FORMAT = "gip-mesure/note-figures/1"

Cell = int | Literal["secret"]
Ratio = float | Literal["secret"] | None


class _Figures(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Figure(_Figures):
    value: Cell
    previous: Cell | None = Field(description="The same period of the previous year")
    evolution: Ratio = Field(description="(value - previous) / previous; 0.45 = +45 %")


class Headline(_Figures):
    visits: Figure
    unique_visitors: Figure
    page_views: Figure


class Row(_Figures):
    key: str
    label: str
    visits: Cell
    unique_visitors: Cell
    page_views: Cell
    share: Ratio = Field(description="Share of the breakdown's visits")


class ServiceRow(Row):
    previous_visits: Cell | None
    evolution: Ratio


class MonthRow(_Figures):
    key: str = Field(description="YYYY-MM of this school year")
    label: str
    visits: Cell | None = Field(description="null: after the end of the note's period")
    previous_visits: Cell | None = Field(description="The same month one year earlier")


class Months(_Figures):
    school_year: str
    start: date
    end: date
    rows: list[MonthRow]


class ScopeInfo(_Figures):
    id: str
    kind: str
    label: str


class PeriodInfo(_Figures):
    kind: str
    label: str
    title: str
    start: date
    end: date
    previous_start: date
    previous_end: date


class Secrecy(_Figures):
    threshold: int = Field(description="Fewest distinct visitors of a shown cell")
    suppressed_cells: int = Field(description="Cells (a group's figures) shown as secret")


class NoteFigures(_Figures):
    format: str = FORMAT
    scope: ScopeInfo
    period: PeriodInfo
    method_version: str
    unique_visitors_method: str
    headline: Headline
    months: Months
    hours: list[Row]
    profiles: list[Row]
    services: list[ServiceRow] = Field(description="Top services by visits, secret ones left out")
    devices: list[Row]
    mobile_share: Ratio
    operating_systems: list[Row]
    inside: list[Row]
    secrecy: Secrecy
    reading_notes: list[str]
