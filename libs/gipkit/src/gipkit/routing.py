"""Routers that refuse query parameters their operation does not declare.

A misspelt filter (`?colege=cdc`) silently ignored would answer the unfiltered list as if
it were filtered; the OpenAPI document lists every parameter, so anything else is a 422. So is
a parameter given twice (`?member=a&member=b`): every parameter of the services is a single
value, and keeping one of them silently (FastAPI keeps the last) would answer a question that
was not asked.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from gipkit.errors import FieldError, Unprocessable

_declared_cache: dict[int, frozenset[str]] = {}


def _declared_query(dependant: Dependant) -> frozenset[str]:
    names: set[str] = set()
    stack = [dependant]
    while stack:
        current = stack.pop()
        names.update(f.alias for f in current.query_params)
        stack.extend(current.dependencies)
    return frozenset(names)


async def reject_unknown_query(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    declared = _declared_cache.get(id(route))
    if declared is None:
        declared = _declared_cache[id(route)] = _declared_query(route.dependant)
    keys = [k for k, _ in request.query_params.multi_items()]
    unknown = sorted(set(keys) - declared)
    repeated = sorted({k for k in keys if keys.count(k) > 1} - set(unknown))
    if unknown or repeated:
        raise Unprocessable(
            "unknown or repeated query parameters",
            errors=[
                FieldError(field=f"query.{k}", reason="not a parameter of this operation")
                for k in unknown
            ]
            + [FieldError(field=f"query.{k}", reason="given more than once") for k in repeated],
        )


def api_router(prefix: str, tags: Sequence[str]) -> APIRouter:
    """A router whose every operation refuses undeclared and repeated query parameters."""
    return APIRouter(prefix=prefix, tags=list(tags), dependencies=[Depends(reject_unknown_query)])
