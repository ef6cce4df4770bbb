"""405 answers that list every method of the resource in `Allow` (RFC 9110 §15.5.6).

Starlette fills `Allow` from the first route whose path matched, so a collection served by
two routes (GET and POST) would answer `Allow: GET`. This handler recomputes it from all the
routes of the path and otherwise answers exactly as gipkit's problem+json handler does.
"""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from gipkit.errors import Problem, problem_response


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    methods: set[str] = set()
    # Included routers are not flattened into app.routes; this walks every route in them.
    for route in iter_route_contexts(app.routes):
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= set(route.methods or ())
    return sorted(methods)


def install_allow_header(app: FastAPI) -> None:
    async def http_exception(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(app, request))
        problem = Problem(
            title=HTTPStatus(exc.status_code).phrase,
            status=exc.status_code,
            detail=exc.detail if isinstance(exc.detail, str) else None,
            instance=request.url.path,
        )
        return problem_response(problem, headers)

    app.add_exception_handler(StarletteHTTPException, http_exception)
