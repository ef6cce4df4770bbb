"""Notes de synthèse: a member's notes, generating one for the member or one of its projects
over a quarter, and their PDFs streamed from reports (reports decides who may read them)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from gateway.console.api import ConsoleApi
from gateway.console.errors import ApiError
from gateway.console.formatting import today_paris
from gateway.console.member.common import (
    AdminForm,
    FormProblem,
    MemberContext,
    NoMember,
    ReaderSession,
    done,
    flash,
    member_context,
    no_member_page,
    stream_document,
)
from gateway.console.pages import message_page, render
from gateway.console.params import MemberQuery
from gateway.console.periods import parse_period, recent_quarters
from gateway.console.sessions import ConsoleSession
from gipkit.auth import GIP_ADMIN, MEMBER_ADMIN

router = APIRouter(prefix="/console/notes", include_in_schema=False)
PAGE = "/console/notes"

NoteId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
QUARTER = re.compile(r"^20[0-9]{2}-Q[1-4]$")

MESSAGES = {
    "generated": "La note de synthèse est prête : téléchargez-la ci-dessous.",
    "existing": "Une note aux mêmes chiffres existait déjà : la voici ci-dessous.",
}
TRIGGERS = {"request": "À la demande", "quarterly": "Trimestrielle"}
# reports' code of the notes option, as billing sells it (its 403 names it).
PRESTATION_LABELS = {"notes-synthese": "Notes de synthèse"}


def period_label(label: str) -> str:
    """`2026-Q1` → « 1er trimestre 2026 », `2025-2026` → « année scolaire 2025-2026 »."""
    try:
        return parse_period(label, today=today_paris()).label
    except ValueError:
        return label.replace("/", " au ")


async def _scopes(api: ConsoleApi, ctx: MemberContext) -> tuple[list[tuple[str, str]], bool]:
    """The scopes a note may be about: the member and its ENT projects."""
    scopes = [(f"member:{ctx.slug}", f"{ctx.name} (membre)")]
    try:
        for p in await api.items("/api/v1/projects", member=ctx.slug):
            scopes.append((f"project:{p['slug']}", f"Projet ENT — {p.get('name') or p['slug']}"))
    except ApiError:
        return scopes, False
    return scopes, True


async def _prestation_label(api: ConsoleApi, code: str) -> str:
    """The option's label in this year's catalogue (the reports' code when unknown)."""
    try:
        catalogue = await api.get(f"/api/v1/budget-years/{today_paris().year}/prestations")
        for p in catalogue:
            if p.get("code") == code:
                return str(p.get("label") or code)
    except ApiError:
        pass
    return PRESTATION_LABELS.get(code, code)


async def explain(api: ConsoleApi, exc: ApiError, *, can_subscribe: bool) -> FormProblem:
    """reports' 403 names the missing prestation: say so in French, and where to subscribe."""
    code = exc.problem.get("prestation")
    if exc.status == 403 and isinstance(code, str) and code:
        label = await _prestation_label(api, code)
        where = (
            "Souscrivez-la dans la page Abonnements, puis recommencez."
            if can_subscribe
            else "Demandez à l'administrateur de votre organisation de la souscrire."
        )
        return FormProblem(
            status=403,
            title="Prestation non souscrite",
            detail=f"Ce périmètre n'est pas abonné à la prestation « {label} » ({code}) "
            "pour cette période.",
            hint=where,
        )
    return FormProblem.of(exc, known=("scope", "period"))


async def _page(
    request: Request,
    session: ConsoleSession,
    ctx: MemberContext,
    *,
    problem: FormProblem | None = None,
    form: dict[str, str] | None = None,
    ok: str | None = None,
    highlight: str | None = None,
) -> HTMLResponse:
    api = ConsoleApi(request, session)
    notes: list[dict[str, Any]] = []
    unavailable = False
    try:
        page = await api.get("/api/v1/notes", member=ctx.slug, limit=200)
        notes = page.get("items", [])
    except ApiError:
        unavailable = True
    for note in notes:
        note["trigger_label"] = TRIGGERS.get(note.get("trigger", ""), note.get("trigger", ""))
        note["period_label"] = period_label(str((note.get("period") or {}).get("label", "")))
    scopes, _ = await _scopes(api, ctx)
    quarters = recent_quarters(today_paris())
    values = form or {}
    can_generate = session.principal.has_role(GIP_ADMIN, MEMBER_ADMIN)
    return render(
        request,
        "notes.html",
        session,
        status_code=problem.http_status if problem else 200,
        ctx=ctx,
        notes=notes,
        unavailable=unavailable,
        scopes=scopes,
        quarters=quarters,
        can_generate=can_generate,
        problem=problem,
        form={
            "scope": values.get("scope") or scopes[0][0],
            "period": values.get("period") or quarters[0][0],
        },
        message=flash(MESSAGES, ok),
        highlight=highlight,
    )


@router.get("", response_class=HTMLResponse)
async def notes_page(
    request: Request,
    session: ReaderSession,
    member: MemberQuery = None,
    ok: Annotated[str | None, Query(max_length=20)] = None,
    note: Annotated[str | None, Query(pattern=r"^[0-9a-f]{32}$")] = None,
) -> HTMLResponse:
    api = ConsoleApi(request, session)
    try:
        ctx = await member_context(api, session, member)
    except NoMember:
        return no_member_page(request, session)
    return await _page(request, session, ctx, ok=ok, highlight=note)


@router.post("", response_class=HTMLResponse)
async def generate(
    request: Request,
    session: AdminForm,
    member: Annotated[str, Form(max_length=63)] = "",
    scope: Annotated[str, Form(max_length=130)] = "",
    period: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    api = ConsoleApi(request, session)
    try:
        ctx = await member_context(api, session, member or None)
    except NoMember:
        return no_member_page(request, session)
    form = {"scope": scope, "period": period}
    scopes, _ = await _scopes(api, ctx)
    problem = None
    if scope not in {value for value, _ in scopes}:
        problem = FormProblem.local("Choisissez un périmètre.", scope="Périmètre inconnu.")
    elif not QUARTER.match(period):
        problem = FormProblem.local("Choisissez un trimestre.", period="Trimestre attendu.")
    if problem is not None:
        return await _page(request, session, ctx, problem=problem, form=form)
    try:
        response = await api.request(
            "POST", "/api/v1/notes", json={"scope": scope, "period": period}
        )
    except ApiError as exc:
        problem = await explain(api, exc, can_subscribe=True)
        return await _page(request, session, ctx, problem=problem, form=form)
    note = response.json()
    return done(
        PAGE, ctx, "generated" if response.status_code == 201 else "existing", note=note["id"]
    )


@router.get("/{note_id}/pdf")
async def note_pdf(request: Request, session: ReaderSession, note_id: NoteId) -> Response:
    api = ConsoleApi(request, session)
    try:
        return await _stream(api, note_id)
    except ApiError as exc:
        if exc.status != 403:
            raise
        problem = await explain(
            api, exc, can_subscribe=session.principal.has_role(GIP_ADMIN, MEMBER_ADMIN)
        )
        return message_page(
            request,
            session,
            status_code=403,
            title=problem.title,
            message=f"{problem.detail} {problem.hint or ''}".strip(),
            action=(PAGE, "Retour aux notes de synthèse"),
        )


async def _stream(api: ConsoleApi, note_id: str) -> StreamingResponse:
    return await stream_document(
        api,
        f"/api/v1/notes/{note_id}",
        accept="application/pdf",
        filename=f"note-{note_id}.pdf",
    )
