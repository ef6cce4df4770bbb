"""/api/v1/notes: generate, list and fetch synthesis notes (JSON, HTML, PDF)."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Annotated, Any

from fastapi import BackgroundTasks, Header, Path, Query, Request, Response

from gipkit.clock import today
from gipkit.db import SessionDep, WriteSessionDep
from gipkit.errors import GipError, problem_responses
from gipkit.routing import api_router
from reports.common import state
from reports.common.access import Generator, Reader
from reports.common.negotiation import etag_matches, negotiate
from reports.common.pagination import Page, PageDep
from reports.common.periods import PERIOD_LABEL_PATTERN, PeriodKind, custom, parse_named
from reports.common.scopes import SCOPE_PATTERN, SLUG, Scope
from reports.composition.figures import NoteFigures
from reports.notes import service
from reports.notes.schemas import NOTE_ID_PATTERN, NoteCreate, NotePublic, NoteSummary
from reports.rendering import RENDER_VERSION
from reports.usage.loop import nudge

router = api_router("/api/v1/notes", tags=["notes"])

JSON, HTML, PDF = "application/json", "text/html", "application/pdf"
OFFERED = (JSON, HTML, PDF)


class NotAcceptable(GipError):
    status, slug = 406, "not-acceptable"


_ETAG = {
    "ETag": {"description": "Strong validator of this representation", "schema": {"type": "string"}}
}
IfNoneMatch = Annotated[
    str | None,
    Header(
        alias="If-None-Match",
        description="ETag(s) of a copy the caller holds; a match answers 304 without a body.",
    ),
]


@router.post(
    "",
    status_code=201,
    response_model=NotePublic,
    summary="Generate a synthesis note of a scope over a period",
    description=(
        "Needs the scope's member to be subscribed to the notes option in billing (403 names "
        "the missing prestation); another tenant's scope is a 404. The note is stored "
        "immutable; asking again while the figures are unchanged answers the stored note "
        "(200) instead of a new one (201). `gip-admin`: any scope, `national` included; "
        "`member-admin` and `partner`: their organisation's scopes. Each new note is metered "
        "to billing."
    ),
    responses={
        200: {"model": NotePublic, "description": "The stored note with the same figures"},
        **problem_responses(400, 403, 404, 502, 503, 504),
    },
)
async def generate_note(
    body: NoteCreate,
    principal: Generator,
    session: WriteSessionDep,
    request: Request,
    background: BackgroundTasks,
) -> Response:
    day = today()
    if isinstance(body.period, str):
        period = parse_named(body.period)
    else:
        period = custom(body.period.from_, body.period.to, today=day)
    generated = await service.generate(
        session=session,
        clients=state.clients(request),
        principal=principal,
        scope=Scope.parse(body.scope),
        period=period,
        settings=state.settings(request),
        today=day,
        cache=state.entitlement_cache(request),
    )
    if generated.created:
        background.add_task(nudge, request.app)
    payload = service.public(generated.note).model_dump_json(by_alias=True)
    return Response(
        payload,
        status_code=201 if generated.created else 200,
        media_type=JSON,
        headers={"Location": f"/api/v1/notes/{generated.note.id}"},
    )


@router.get(
    "",
    response_model=Page[NoteSummary],
    summary="List the notes the caller may read, newest first",
    description="Filters combine; `member` keeps the notes of scopes that member owns.",
)
async def list_notes(
    principal: Reader,
    session: SessionDep,
    page: PageDep,
    scope: Annotated[str | None, Query(pattern=SCOPE_PATTERN)] = None,
    period: Annotated[
        str | None,
        Query(pattern=PERIOD_LABEL_PATTERN, description="`2026-Q1`, `2025-2026` or `from/to`"),
    ] = None,
    kind: Annotated[PeriodKind | None, Query(description="Kind of period")] = None,
    member: Annotated[str | None, Query(pattern=f"^{SLUG}$")] = None,
) -> Page[NoteSummary]:
    return await service.page(
        session=session,
        principal=principal,
        request=page,
        scope=scope,
        period_label=period,
        period_kind=kind.value if kind else None,
        member=member,
    )


def _load_renderers(*, pdf: bool) -> None:
    import reports.rendering.html  # noqa: F401

    if pdf:
        import weasyprint  # noqa: F401


def _etag(note_id: str, sha256: str, media_type: str) -> str:
    seed = f"{note_id}|{sha256}|{media_type}|{RENDER_VERSION}".encode()
    return '"' + hashlib.sha256(seed).hexdigest()[:32] + '"'


_DOCUMENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The note, in the representation asked for by `Accept`",
        "headers": _ETAG,
        "content": {
            HTML: {"schema": {"type": "string"}},
            PDF: {"schema": {"type": "string", "format": "binary"}},
        },
    },
    304: {"description": "Not modified: the caller's copy is current", "headers": _ETAG},
    **problem_responses(403, 404, 406, 502, 503, 504),
}


@router.get(
    "/{note_id}",
    response_model=NotePublic,
    summary="A note, as JSON figures, an HTML page or a PDF (content negotiation)",
    description=(
        "`Accept: application/json` (figures), `text/html` or `application/pdf`; anything "
        "else is a 406. Member roles and partners read their organisation's notes while it is "
        "subscribed (403 naming the prestation otherwise); a partner's read is metered to "
        "billing. ETag and `If-None-Match` (304) per representation."
    ),
    responses=_DOCUMENT_RESPONSES,
)
async def get_note(
    note_id: Annotated[str, Path(pattern=NOTE_ID_PATTERN)],
    principal: Reader,
    read_session: SessionDep,
    write_session: WriteSessionDep,
    request: Request,
    background: BackgroundTasks,
    if_none_match: IfNoneMatch = None,
) -> Response:
    settings = state.settings(request)
    # A partner's read queues usage after reading the note: it takes the write session (on
    # SQLite, the write lock from its first read on), other readers the plain one. Neither
    # touches the database unless used.
    session = write_session if service.may_be_metered(principal) else read_session
    media_type = negotiate(request.headers.get("accept"), OFFERED)
    if session is write_session and media_type in (HTML, PDF):
        # Loaded (once per process, seconds) before the first read, not while holding the lock.
        await asyncio.to_thread(_load_renderers, pdf=media_type == PDF)
    readable = await service.readable(
        session=session,
        clients=state.clients(request),
        principal=principal,
        note_id=note_id,
        settings=settings,
        today=today(),
        cache=state.entitlement_cache(request),
    )
    if media_type is None:
        raise NotAcceptable(f"this note is available as {', '.join(OFFERED)}")
    note = readable.note
    headers = {
        "ETag": _etag(note.id, note.figures_sha256, media_type),
        "Cache-Control": "private, no-cache",
        "Vary": "Accept, Authorization",
    }
    if etag_matches(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    content: bytes | str
    if media_type == JSON:
        content = service.public(note).model_dump_json(by_alias=True)
    else:
        # Imported on first use: matplotlib and WeasyPrint take seconds to load.
        from reports.rendering.html import NoteView, render_html
        from reports.rendering.pdf import render_pdf

        view = NoteView(
            note_id=note.id,
            figures=NoteFigures.model_validate(note.figures),
            data_cutoff=note.data_cutoff,
            sha256=note.figures_sha256,
        )
        if media_type == HTML:
            content = await asyncio.to_thread(render_html, view)
        else:
            content = await asyncio.to_thread(render_pdf, view)
            filename = (
                f"note-{note.scope.replace(':', '-')}-{note.period_label.replace('/', '_')}.pdf"
            )
            headers["Content-Disposition"] = f'inline; filename="{filename}"'
    if service.record_pull(session, principal=principal, readable=readable, settings=settings):
        background.add_task(nudge, request.app)
    return Response(content, media_type=media_type, headers=headers)
