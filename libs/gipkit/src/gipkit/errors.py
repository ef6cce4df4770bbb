"""RFC 9457 problem details: one exception family, one set of handlers, declared responses.

Services raise `GipError` subclasses; everything else that escapes (HTTPException, request
validation, unexpected exceptions) is turned into the same `application/problem+json` shape
so that clients parse one format. Unexpected errors never leak a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from gipkit.french import TITLES, VALIDATION_DETAIL, prefers_french, validation_reason

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://gip-mesure.fr/problems/"

log = logging.getLogger("gipkit.errors")


class FieldError(BaseModel):
    """One refused field: where it is, and why."""

    field: str
    reason: str
    index: int | None = None


class Problem(BaseModel):
    """The body of every error answer."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = Field(default=None)


class GipError(Exception):
    """Base of every error a service raises on purpose."""

    status: int = 500
    slug: str = "internal"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
        fr: str | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        # The detail in French, for callers that ask for it (gipkit.french).
        self.detail_fr = fr
        self.errors = list(errors) if errors else None
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    @property
    def title(self) -> str:
        return HTTPStatus(self.status).phrase

    def problem(self, instance: str | None = None, *, french: bool = False) -> Problem:
        return Problem(
            type=TYPE_BASE + self.slug,
            title=french_title(self.status) if french else self.title,
            status=self.status,
            detail=(self.detail_fr or self.detail) if french else self.detail,
            instance=instance,
            errors=self.errors,
            **self.extra,
        )


class BadRequest(GipError):
    status, slug = 400, "bad-request"


class Unauthorized(GipError):
    status, slug = 401, "unauthorized"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.headers.setdefault("WWW-Authenticate", 'Bearer realm="gip"')


class Forbidden(GipError):
    status, slug = 403, "forbidden"


class NotFound(GipError):
    status, slug = 404, "not-found"


class Conflict(GipError):
    status, slug = 409, "conflict"


class Gone(GipError):
    status, slug = 410, "gone"


class PayloadTooLarge(GipError):
    status, slug = 413, "payload-too-large"


class UnsupportedMediaType(GipError):
    status, slug = 415, "unsupported-media-type"


class Unprocessable(GipError):
    status, slug = 422, "validation"


class TooManyRequests(GipError):
    status, slug = 429, "rate-limited"


class BadGateway(GipError):
    status, slug = 502, "bad-gateway"


class ServiceUnavailable(GipError):
    status, slug = 503, "unavailable"


class GatewayTimeout(GipError):
    status, slug = 504, "timeout"


def problem_response(
    problem: Problem, headers: Mapping[str, str] | None = None, *, french: bool = False
) -> JSONResponse:
    sent = dict(headers or {})
    # The words depend on the caller's Accept-Language (gipkit.french): caches must know.
    vary = sent.get("Vary")
    sent["Vary"] = f"{vary}, Accept-Language" if vary else "Accept-Language"
    if french:
        sent["Content-Language"] = "fr"
    return JSONResponse(
        problem.model_dump(exclude_none=True, mode="json"),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=sent,
    )


def french_title(status: int) -> str:
    return TITLES.get(status) or HTTPStatus(status).phrase


def _french(request: Request) -> bool:
    return prefers_french(request.headers.get("accept-language"))


def _field_path(loc: Sequence[Any]) -> str:
    return ".".join(str(p) for p in loc)


async def _gip_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GipError)
    french = _french(request)
    return problem_response(
        exc.problem(instance=request.url.path, french=french), exc.headers, french=french
    )


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    french = _french(request)
    # Starlette's own details (a route not found, a method not allowed) are its phrases: in
    # French, the title says it.
    detail = exc.detail if isinstance(exc.detail, str) and not french else None
    problem = Problem(
        title=french_title(status) if french else HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
    )
    return problem_response(problem, exc.headers, french=french)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    french = _french(request)
    errors = [
        FieldError(
            field=_field_path(e.get("loc", ())),
            reason=(french and validation_reason(e)) or str(e.get("msg", "invalid")),
        )
        for e in exc.errors()
    ]
    problem = Problem(
        type=TYPE_BASE + "validation",
        title=french_title(422) if french else "Unprocessable Content",
        status=422,
        detail=VALIDATION_DETAIL if french else "The request is not valid; see errors.",
        instance=request.url.path,
        errors=errors,
    )
    return problem_response(problem, french=french)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Logged with its trace (the log formatter adds trace ids); the client only gets a title.
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    french = _french(request)
    problem = Problem(
        type=TYPE_BASE + "internal",
        title=french_title(500) if french else "Internal Server Error",
        status=500,
        instance=request.url.path,
    )
    return problem_response(problem, french=french)


async def _peer_error(request: Request, exc: Exception) -> JSONResponse:
    # A peer that is down or slow is the caller's 503/504; any other answer we did not expect
    # from a peer is a 502. The peer's own problem is logged, not relayed.
    from gipkit.http import PeerError, PeerTimeout, PeerUnavailable

    assert isinstance(exc, PeerError)
    if isinstance(exc, PeerUnavailable):
        retry = str(max(1, int(exc.retry_after or 5)))
        error: GipError = ServiceUnavailable(
            f"{exc.peer} is unavailable",
            headers={"Retry-After": retry},
            fr=f"le service {exc.peer} est indisponible ; réessayez dans quelques instants",
        )
    elif isinstance(exc, PeerTimeout):
        error = GatewayTimeout(
            f"{exc.peer} did not answer in time",
            fr=f"le service {exc.peer} n'a pas répondu à temps",
        )
    else:
        log.warning("unexpected answer from %s: %s %s", exc.peer, exc.status, exc.problem)
        error = BadGateway(
            f"unexpected answer from {exc.peer}", fr=f"réponse inattendue du service {exc.peer}"
        )
    return await _gip_error(request, error)


def install_error_handlers(app: FastAPI) -> None:
    from gipkit.http import PeerError

    app.add_exception_handler(GipError, _gip_error)
    app.add_exception_handler(PeerError, _peer_error)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)


_DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing or invalid bearer token",
    403: "The caller's role does not allow this",
    404: "Not found (or belongs to another tenant)",
    406: "No acceptable representation",
    409: "Conflicts with the current state",
    410: "Gone",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Validation failed; `errors` lists the fields",
    429: "Too many requests; see Retry-After",
    502: "A dependency answered unexpectedly",
    503: "A dependency is unavailable; see Retry-After",
    504: "A dependency did not answer in time",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries declaring problem+json answers for these status codes."""
    return {
        code: {
            "model": Problem,
            "description": _DESCRIPTIONS.get(code, HTTPStatus(code).phrase),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for code in codes
    }
