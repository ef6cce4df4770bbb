"""Path parameters shared by the routers, with the patterns the OpenAPI document states."""

from typing import Annotated

from fastapi import Path
from starlette.convertors import Convertor, register_url_convertor

from gipkit.uai import UAI_PATTERN
from tenants.common import validation as v


class UaiConvertor(Convertor[str]):
    """Only a UAI-shaped segment matches `{uai:uai}`, so `/establishments/import` is never
    taken for an establishment: a GET there answers 405 (the method), not 422 (the UAI)."""

    regex = "[0-9]{7}[A-HJ-NPR-Z]"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class SiteIdConvertor(Convertor[str]):
    """`/projects/by-site/{site_id:site}` matches 6 digits only, so a project slugged `by-site`
    keeps its own sub-resources (`/projects/by-site/establishments`)."""

    regex = "[0-9]{6}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("uai", UaiConvertor())
register_url_convertor("site", SiteIdConvertor())

SlugPath = Annotated[str, Path(max_length=63, pattern=v.SLUG_PATTERN)]
UaiPath = Annotated[str, Path(pattern=UAI_PATTERN, examples=["0750655E"])]
SchoolYearPath = Annotated[str, Path(pattern=v.SCHOOL_YEAR_PATTERN, examples=["2025-2026"])]
