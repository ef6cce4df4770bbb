"""`GET /collect`: the browser tag of the national tagging guide.

Parameters `s` (site), `s2` (UAI), `p` (page), `x1` (service), `x2` (profile), `idclient`
(ID_PERSO). The page's Origin (or Referer) must be one of the project's allowed origins. The
answer is a 1×1 transparent GIF, never cached; the hit goes through the same validation and
pseudonymisation as a batch, and the same store.
"""

from __future__ import annotations

import base64
import ipaddress
import uuid
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request, Response

from gipkit.auth import Principal
from gipkit.errors import FieldError, Forbidden, TooManyRequests, Unprocessable, problem_responses
from measure.collect.ratelimit import PerMinute
from measure.common.clock import utcnow
from measure.common.deps import DirectoryDep, IngestionDep, SettingsDep
from measure.hits import service
from measure.hits.prepare import prepare

router = APIRouter(tags=["collect"])

GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
# Proxies whose X-Forwarded-For is believed (the gateway runs beside the services).
TRUSTED_PROXIES = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
# The tag acts for the project it names; the check on Origin replaces a token.
TAG = Principal(subject="collect", client_id=None, roles=frozenset({"service"}), organization=None)


def _client_address(request: Request) -> str:
    peer = request.client.host if request.client else ""
    try:
        trusted = any(ipaddress.ip_address(peer) in n for n in TRUSTED_PROXIES)
    except ValueError:
        trusted = False
    forwarded = request.headers.get("x-forwarded-for")
    if trusted and forwarded:
        return forwarded.split(",")[0].strip()
    return peer


def _origin(request: Request) -> str | None:
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return origin.rstrip("/")
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    return None


def _limiter(request: Request, per_minute: int) -> PerMinute:
    limiter = getattr(request.app.state, "collect_limiter", None)
    if limiter is None:
        limiter = request.app.state.collect_limiter = PerMinute(per_minute)
    return limiter


@router.get(
    "/collect",
    summary="Browser tag: one page view",
    response_class=Response,
    responses={
        200: {"content": {"image/gif": {}}, "description": "Counted: a 1×1 GIF"},
        **problem_responses(403, 422, 429, 502, 503, 504),
    },
)
async def collect(
    request: Request,
    directory: DirectoryDep,
    settings: SettingsDep,
    ingestion: IngestionDep,
    s: Annotated[str, Query(pattern=r"^[0-9]{6}$", description="Site id of the ENT project")],
    s2: Annotated[str, Query(max_length=8, description="UAI of the establishment")],
    x2: Annotated[str, Query(max_length=2, description="Profile id")],
    idclient: Annotated[str, Query(min_length=1, max_length=128, description="ID_PERSO")],
    p: Annotated[str, Query(max_length=512, description="Page")] = "",
    x1: Annotated[str | None, Query(max_length=64, description="Service id")] = None,
) -> Response:
    address = _client_address(request)
    allowed, retry_after = _limiter(request, settings.collect_per_minute).allow(address)
    if not allowed:
        raise TooManyRequests(
            "too many hits from this address", headers={"Retry-After": str(retry_after)}
        )
    project = await directory.project_by_site(s)
    origin = _origin(request)
    if project is None or origin is None or origin not in project.allowed_origins:
        raise Forbidden("this page's origin may not send hits for this site")
    item = {
        "event_id": uuid.uuid4().hex,
        "ts": utcnow().isoformat(),
        "site": s,
        "uai": s2,
        "user": idclient,
        "profile": x2,
        "service": x1,
        "page": p,
        "user_agent": request.headers.get("user-agent"),
        "ip": address or None,
    }
    now = utcnow()
    with ingestion.arriving(1) as arrival:
        prepared = await prepare(
            [item], directory=directory, principal=TAG, limits=service.limits(settings, now)
        )
        if prepared.errors:
            raise Unprocessable(
                "the hit was refused",
                errors=[
                    FieldError(field=_tag_field(e.field), reason=e.reason) for e in prepared.errors
                ],
            )
        await ingestion.store(prepared.hits, now=now, arrival=arrival)
    return Response(GIF, media_type="image/gif", headers={"Cache-Control": "no-store"})


_TAG_FIELDS = {
    "site": "s",
    "uai": "s2",
    "user": "idclient",
    "profile": "x2",
    "service": "x1",
    "page": "p",
}


def _tag_field(field: str) -> str:
    return _TAG_FIELDS.get(field, field)
