"""Cacheable read answers: a strong ETag over the JSON body, `If-None-Match` → 304.

Other services poll tenants' read APIs (who is member X, which establishments does project P
cover); with the ETag they revalidate in one round trip and skip parsing when nothing changed.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import Header, Request, Response
from pydantic import BaseModel

IfNoneMatch = Annotated[
    str | None,
    Header(
        alias="If-None-Match",
        description="ETag(s) of a copy the caller holds; a match answers 304 without a body.",
    ),
]

_ETAG_HEADER = {
    "ETag": {"description": "Strong validator of the representation", "schema": {"type": "string"}}
}


def etag_responses(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for a cacheable GET: 200 with its ETag header, and 304."""
    return {
        200: {"model": model, "headers": _ETAG_HEADER},
        304: {"description": "Not modified: the caller's copy is current", "headers": _ETAG_HEADER},
    }


def _matches(header: str | None, tag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    # Weak comparison (RFC 9110 §13.1.2): W/"x" matches "x".
    candidates = {c.strip().removeprefix("W/") for c in header.split(",")}
    return tag in candidates


def cacheable(request: Request, payload: BaseModel) -> Response:
    body = payload.model_dump_json().encode()
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    # private: the body depends on who asks; no-cache: keep it, but revalidate every time.
    headers = {"ETag": tag, "Cache-Control": "private, no-cache"}
    if _matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
