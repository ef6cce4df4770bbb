"""The indicators answer."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class GroupBy(StrEnum):
    day = "day"
    week = "week"
    month = "month"
    hour = "hour"
    service = "service"
    profile = "profile"
    device = "device"
    os = "os"
    inside = "inside"


class Compare(StrEnum):
    previous_year = "previous_year"


class UniquesMethod(StrEnum):
    exact = "exact"
    sum_of_projects = "sum_of_project_uniques"


class Figures(BaseModel):
    visits: int = Field(description="Visits begun in the period (30-minute rule)")
    unique_visitors: int = Field(
        description="Distinct visitors with a hit in the period (see unique_visitors_method)"
    )
    page_views: int = Field(description="Hits in the period")


class Group(Figures):
    key: str = Field(
        description=(
            "day `2026-03-04`, week `2026-W10`, month `2026-03`, hour `00`–`23` (Europe/Paris); "
            "service and profile ids of the national guide; device, os, inside keys"
        )
    )
    label: str | None = Field(
        None, description="French label: the national guide's for services and profiles"
    )
    previous: Figures | None = Field(
        None,
        description="With compare=previous_year: the same group one year before "
        "(time groups: the same day, week or month of the previous year)",
    )


class PreviousPeriod(BaseModel):
    """The same period one year before. For a period that has not ended (today inside it),
    only the days it has had so far: `to` is a year before today."""

    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    totals: Figures

    model_config = {"populate_by_name": True}


class Indicators(BaseModel):
    scope: str
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    group_by: GroupBy | None
    method_version: str = Field(description="The method the figures follow (see the README)")
    data_cutoff: datetime = Field(
        description="Every hit accepted before this instant is counted (the rollup runs a few "
        "seconds behind ingestion)"
    )
    unique_visitors_method: UniquesMethod = Field(
        description="`exact` within one project; above a project, the sum of project uniques "
        "(pseudonyms are per project by design)"
    )
    breakdown_may_exceed_total: bool = Field(
        description="True when a visit counts once in each value it touches, so groups may add "
        "up to more than the totals"
    )
    projects: int = Field(description="ENT projects whose figures are included")
    totals: Figures
    groups: list[Group] = Field(default_factory=list)
    previous: PreviousPeriod | None = None

    model_config = {"populate_by_name": True}
