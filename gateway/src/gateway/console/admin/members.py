"""Membres: the register of members (tenants' API) — list, create, edit, leave."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from gateway.console.admin.common import (
    COLLEGE_LABELS,
    KIND_LABELS,
    GipForm,
    GipSession,
    back,
    parse_day,
)
from gateway.console.api import ConsoleApi
from gateway.console.errors import ApiError
from gateway.console.formatting import today_paris
from gateway.console.member.common import FormProblem, flash
from gateway.console.pages import render
from gateway.console.params import SLUG_PATTERN
from gateway.console.sessions import ConsoleSession

router = APIRouter(prefix="/console/admin/members", include_in_schema=False)
PAGE = "/console/admin/members"

SlugPath = Annotated[str, Path(max_length=63, pattern=SLUG_PATTERN)]
MESSAGES = {
    "created": "Le membre est créé.",
    "updated": "Le membre est modifié.",
    "left": "Le départ du membre est enregistré.",
}
STATUS_LABELS = {"active": "Actif", "left": "Parti", "future": "À venir"}
TEXT_FIELDS = ("name", "siren", "domain", "contact_name", "contact_email")
FIELDS = ("slug", "name", "kind", "college", "joined_on", *TEXT_FIELDS[1:])


@router.get("", response_class=HTMLResponse)
async def members_page(
    request: Request,
    session: GipSession,
    ok: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    api = ConsoleApi(request, session)
    error = None
    members: list[dict[str, Any]] = []
    try:
        members = await api.items("/api/v1/members")
    except ApiError as exc:
        error = str(exc)
    for m in members:
        m["college_label"] = COLLEGE_LABELS.get(m.get("college", ""), m.get("college"))
        m["kind_label"] = KIND_LABELS.get(m.get("kind", ""), m.get("kind"))
        m["status_label"] = STATUS_LABELS.get(m.get("status", ""), m.get("status") or "")
    return render(
        request,
        "admin/members.html",
        session,
        members=members,
        error=error,
        message=flash(MESSAGES, ok),
    )


def _form_page(
    request: Request,
    session: ConsoleSession,
    *,
    member: dict[str, Any] | None,
    form: dict[str, Any],
    problem: FormProblem | None = None,
) -> HTMLResponse:
    return render(
        request,
        "admin/member_form.html",
        session,
        status_code=problem.http_status if problem else 200,
        member=member,
        form={k: form.get(k) or "" for k in FIELDS},
        kinds=KIND_LABELS,
        colleges=COLLEGE_LABELS,
        problem=problem,
    )


@router.get("/new", response_class=HTMLResponse)
async def new_member(request: Request, session: GipSession) -> HTMLResponse:
    return _form_page(request, session, member=None, form={"joined_on": today_paris().isoformat()})


def _body(form: dict[str, str], *, creating: bool) -> tuple[dict[str, Any], FormProblem | None]:
    """The API's body from the form: required fields as typed, optional ones null when empty
    (on an edit, that clears them)."""
    missing = {
        k: "Champ obligatoire."
        for k in (("slug", "name", "kind") if creating else ("name", "kind"))
        if not form.get(k)
    }
    if missing:
        return {}, FormProblem.local("Des champs obligatoires sont vides.", **missing)
    body: dict[str, Any] = {"name": form["name"], "kind": form["kind"]}
    if creating:
        body["slug"] = form["slug"]
    if form.get("college"):
        body["college"] = form["college"]
    if form.get("joined_on"):
        joined = parse_day(form["joined_on"])
        if joined is None:
            return {}, FormProblem.local(
                "Date d'adhésion invalide.", joined_on="Date attendue (JJ/MM/AAAA)."
            )
        body["joined_on"] = joined
    for name in TEXT_FIELDS[1:]:
        value = form.get(name, "")
        if value or not creating:
            body[name] = value or None
    return body, None


@router.post("", response_class=HTMLResponse)
async def create_member(
    request: Request,
    session: GipForm,
    slug: Annotated[str, Form(max_length=63)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    college: Annotated[str, Form(max_length=20)] = "",
    siren: Annotated[str, Form(max_length=20)] = "",
    domain: Annotated[str, Form(max_length=255)] = "",
    contact_name: Annotated[str, Form(max_length=200)] = "",
    contact_email: Annotated[str, Form(max_length=255)] = "",
    joined_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    form = {
        "slug": slug.strip(),
        "name": name.strip(),
        "kind": kind,
        "college": college,
        "siren": siren.replace(" ", ""),
        "domain": domain.strip(),
        "contact_name": contact_name.strip(),
        "contact_email": contact_email.strip(),
        "joined_on": joined_on,
    }
    body, problem = _body(form, creating=True)
    if problem is None:
        try:
            await ConsoleApi(request, session).post("/api/v1/members", json=body)
        except ApiError as exc:
            problem = FormProblem.of(exc, known=FIELDS)
    if problem is not None:
        return _form_page(request, session, member=None, form=form, problem=problem)
    return back(PAGE, "created")


async def _member(api: ConsoleApi, slug: str) -> dict[str, Any]:
    return await api.get(f"/api/v1/members/{slug}")  # type: ignore[no-any-return]


@router.get("/{slug}", response_class=HTMLResponse)
async def edit_member(request: Request, session: GipSession, slug: SlugPath) -> HTMLResponse:
    member = await _member(ConsoleApi(request, session), slug)
    return _form_page(request, session, member=member, form=member)


@router.post("/{slug}", response_class=HTMLResponse)
async def update_member(
    request: Request,
    session: GipForm,
    slug: SlugPath,
    name: Annotated[str, Form(max_length=200)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    college: Annotated[str, Form(max_length=20)] = "",
    siren: Annotated[str, Form(max_length=20)] = "",
    domain: Annotated[str, Form(max_length=255)] = "",
    contact_name: Annotated[str, Form(max_length=200)] = "",
    contact_email: Annotated[str, Form(max_length=255)] = "",
    joined_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    api = ConsoleApi(request, session)
    member = await _member(api, slug)
    form = {
        "slug": slug,
        "name": name.strip(),
        "kind": kind,
        "college": college,
        "siren": siren.replace(" ", ""),
        "domain": domain.strip(),
        "contact_name": contact_name.strip(),
        "contact_email": contact_email.strip(),
        "joined_on": joined_on,
    }
    body, problem = _body(form, creating=False)
    if problem is None:
        try:
            await api.request("PATCH", f"/api/v1/members/{slug}", json=body)
        except ApiError as exc:
            problem = FormProblem.of(exc, known=FIELDS)
    if problem is not None:
        return _form_page(request, session, member=member, form=form, problem=problem)
    return back(PAGE, "updated")


def _leave_page(
    request: Request,
    session: ConsoleSession,
    member: dict[str, Any],
    left_on: str,
    problem: FormProblem | None = None,
) -> HTMLResponse:
    return render(
        request,
        "admin/member_leave.html",
        session,
        status_code=problem.http_status if problem else 200,
        member=member,
        left_on=left_on,
        problem=problem,
    )


@router.get("/{slug}/leave", response_class=HTMLResponse)
async def confirm_leave(request: Request, session: GipSession, slug: SlugPath) -> HTMLResponse:
    member = await _member(ConsoleApi(request, session), slug)
    return _leave_page(request, session, member, today_paris().isoformat())


@router.post("/{slug}/leave", response_class=HTMLResponse)
async def leave(
    request: Request,
    session: GipForm,
    slug: SlugPath,
    left_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    api = ConsoleApi(request, session)
    member = await _member(api, slug)
    day = parse_day(left_on)
    if day is None:
        problem = FormProblem.local("Date de départ invalide.", left_on="Date attendue.")
        return _leave_page(request, session, member, left_on, problem)
    try:
        await api.post(f"/api/v1/members/{slug}/leave", json={"left_on": day})
    except ApiError as exc:
        return _leave_page(
            request, session, member, left_on, FormProblem.of(exc, known=("left_on",))
        )
    return back(PAGE, "left")
