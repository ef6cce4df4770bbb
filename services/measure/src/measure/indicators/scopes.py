"""Which projects (and establishment) a scope covers, and whether the caller may see it."""

from __future__ import annotations

from dataclasses import dataclass

from gipkit.auth import Principal
from gipkit.errors import FieldError, Forbidden, NotFound, Unprocessable
from gipkit.uai import uai_problem
from measure.common.directory import Directory
from measure.common.method import ALL_UAI

SLUG = r"[a-z0-9][a-z0-9-]{0,62}"
SCOPE_PATTERN = rf"^(national|project:{SLUG}|member:{SLUG}|uai:[0-9]{{7}}[A-Za-z])$"


@dataclass(frozen=True)
class Resolved:
    sites: tuple[str, ...] | None  # None: every project
    uai: str  # "*": the projects as a whole


def _invalid(reason: str) -> Unprocessable:
    return Unprocessable(reason, errors=[FieldError(field="scope", reason=reason)])


async def resolve(scope: str, *, principal: Principal, directory: Directory) -> Resolved:
    kind, _, name = scope.partition(":")
    mine = set(principal.organizations)
    if kind == "national":
        if not principal.is_platform:
            raise Forbidden(
                "national figures are for the GIP's administrators and services",
                fr=(
                    "les chiffres nationaux sont réservés aux administrateurs et aux services du "
                    "GIP"
                ),
            )
        return Resolved(sites=None, uai=ALL_UAI)
    if kind == "project":
        project = await directory.project_by_slug(name)
        if project is None or not (principal.is_platform or mine & set(project.members)):
            raise NotFound("project not found", fr="projet introuvable")
        return Resolved(sites=(project.site_id,), uai=ALL_UAI)
    if kind == "member":
        if not (principal.is_platform or name in mine):
            raise NotFound("member not found", fr="membre introuvable")
        projects = await directory.projects_of_member(name)
        return Resolved(sites=tuple(sorted({p.site_id for p in projects})), uai=ALL_UAI)
    if kind == "uai":
        uai = name.upper()
        problem = uai_problem(uai)
        if problem:  # no establishment has this id
            raise NotFound(f"establishment not found: {problem}", fr="établissement introuvable")
        if principal.is_platform:
            return Resolved(sites=None, uai=uai)
        visible = [
            p
            for member in sorted(mine)
            for p in await directory.projects_of_member(member)
            if uai in p.uais()
        ]
        if not visible:
            raise NotFound("establishment not found", fr="établissement introuvable")
        return Resolved(sites=tuple(sorted({p.site_id for p in visible})), uai=uai)
    raise _invalid("scope is national, project:<slug>, member:<slug> or uai:<UAI>")
