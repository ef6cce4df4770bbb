"""/api/v1/open-data: published weeks for anyone (no token), publication for gip-admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Path, Request, Response

from gipkit.clock import today
from gipkit.db import SessionDep, WriteSessionDep
from gipkit.errors import NotFound, problem_responses
from gipkit.routing import api_router
from reports.common import state
from reports.common.access import Admin
from reports.common.negotiation import etag_matches
from reports.common.pagination import Page, PageDep
from reports.common.periods import WEEK_PATTERN, Week, parse_week
from reports.notes.service import actor
from reports.open_data import repository, service
from reports.open_data.schemas import ReleasePublic

public_router = api_router("/api/v1/open-data", tags=["open data"])
admin_router = api_router("/api/v1/open-data", tags=["open data"])
routers = (public_router, admin_router)

FILE_PATTERN = r"^(?:datapackage\.json|etablissements-hebdo-20[0-9]{2}-W[0-9]{2}\.(?:csv|parquet))$"
WeekPath = Annotated[str, Path(pattern=WEEK_PATTERN, description="ISO week, e.g. 2026-W10")]
_ETAG = {"ETag": {"description": "SHA-256 of the file", "schema": {"type": "string"}}}


def _week(text: str) -> Week:
    try:
        return parse_week(text)
    except ValueError as exc:  # 2026-W53 does not exist
        raise NotFound(f"week {text} does not exist", fr=f"la semaine {text} n'existe pas") from exc


@public_router.get(
    "",
    response_model=Page[ReleasePublic],
    summary="Published weeks, newest first (public)",
)
async def list_releases(session: SessionDep, page: PageDep) -> Page[ReleasePublic]:
    return await service.page(session=session, request=page)


@public_router.get(
    "/{week}",
    response_model=ReleasePublic,
    summary="A published week and its files (public)",
    responses=problem_responses(404),
)
async def get_release(week: WeekPath, session: SessionDep) -> ReleasePublic:
    release = await repository.by_week(session, _week(week).label)
    if release is None:
        raise NotFound(f"week {week} is not published", fr=f"la semaine {week} n'est pas publiée")
    return await service.public(session, release)


@public_router.get(
    "/{week}/{name}",
    summary="A published file: datapackage.json, CSV or Parquet (public, never changes)",
    responses={
        200: {
            "description": "The file as published",
            "headers": _ETAG,
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.apache.parquet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            },
        },
        304: {"description": "Not modified", "headers": _ETAG},
        **problem_responses(404),
    },
)
async def get_file(
    week: WeekPath,
    name: Annotated[str, Path(pattern=FILE_PATTERN)],
    session: SessionDep,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    release = await repository.by_week(session, _week(week).label)
    found = (
        None
        if release is None or release.id is None
        else await repository.file(session, release.id, name)
    )
    if found is None:
        raise NotFound(
            f"{name} is not published for week {week}",
            fr=f"{name} n'est pas publié pour la semaine {week}",
        )
    headers = {
        "ETag": f'"{found.sha256}"',
        # Published files never change: caches may keep them for good.
        "Cache-Control": "public, max-age=31536000, immutable",
        "Access-Control-Allow-Origin": "*",
    }
    if etag_matches(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    if not name.endswith(".json"):
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(found.content, media_type=found.media_type, headers=headers)


@admin_router.put(
    "/{week}",
    status_code=201,
    response_model=ReleasePublic,
    summary="Publish a closed week (gip-admin); publishing it again changes nothing",
    description=(
        "Gathers every establishment's figures for the week from measure, applies statistical "
        "secrecy and stores the CSV, Parquet and datapackage.json for good. 409 while the week "
        "is not closed; 200 with the existing publication when it was already published."
    ),
    responses={
        200: {"model": ReleasePublic, "description": "Already published: unchanged"},
        **problem_responses(404, 409, 502, 503, 504),
    },
)
async def publish_week(
    week: WeekPath, principal: Admin, session: WriteSessionDep, request: Request
) -> Response:
    settings = state.settings(request)
    published = await service.publish(
        session=session,
        clients=state.clients(request),
        week=_week(week),
        published_by=actor(principal),
        today=today(),
        delay_days=settings.open_data_delay_days,
        concurrency=settings.open_data_concurrency,
        threshold=settings.secrecy_threshold,
    )
    body = (await service.public(session, published.release)).model_dump_json()
    return Response(
        body,
        status_code=201 if published.created else 200,
        media_type="application/json",
        headers={"Location": f"{service.BASE_PATH}/{published.release.week}"},
    )
