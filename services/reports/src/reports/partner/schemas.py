"""Indicators as the partner API answers them (measure's figures, reports' names)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from reports import peers


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


class MetricsPublic(BaseModel):
    visits: int
    unique_visitors: int
    page_views: int


class GroupPublic(MetricsPublic):
    key: str
    label: str | None = None


class IndicatorsPublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    scope: str
    from_: date = Field(alias="from")
    to: date
    group_by: str | None
    method_version: str
    data_cutoff: datetime
    unique_visitors_method: str
    totals: MetricsPublic
    groups: list[GroupPublic]
    previous_totals: MetricsPublic | None = Field(
        None, description="The same period of the previous year (with `compare`)"
    )
    previous_groups: list[GroupPublic] | None = Field(
        None, description="Keyed like `groups`: the group of this period each compares with"
    )

    @classmethod
    def of(cls, answer: peers.Indicators) -> IndicatorsPublic:
        def group(g: peers.IndicatorGroup) -> GroupPublic:
            return GroupPublic.model_validate(g.model_dump())

        return cls(
            scope=answer.scope,
            from_=answer.date_from,
            to=answer.date_to,
            group_by=answer.group_by,
            method_version=answer.method_version,
            data_cutoff=answer.data_cutoff,
            unique_visitors_method=answer.unique_visitors_method,
            totals=MetricsPublic.model_validate(answer.totals.model_dump()),
            groups=[group(g) for g in answer.groups],
            previous_totals=(
                MetricsPublic.model_validate(answer.previous_totals.model_dump())
                if answer.previous_totals
                else None
            ),
            previous_groups=(
                [group(g) for g in answer.previous_groups]
                if answer.previous_groups is not None
                else None
            ),
        )
