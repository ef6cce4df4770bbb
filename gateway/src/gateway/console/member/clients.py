"""Clients d'API: a member's machine clients (partner, ENT), creating one, rotating its secret,
disabling and enabling it (tenants' API). A secret is shown once, on a page never cached."""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from gateway.console.api import ConsoleApi
from gateway.console.errors import ApiError
from gateway.console.member.common import (
    AdminForm,
    AdminSession,
    FormProblem,
    MemberContext,
    NoMember,
    done,
    flash,
    member_context,
    no_member_page,
)
from gateway.console.pages import render
from gateway.console.params import MemberQuery
from gateway.console.sessions import ConsoleSession

router = APIRouter(prefix="/console/clients", include_in_schema=False)
PAGE = "/console/clients"

ClientIdPath = Annotated[
    str, Path(max_length=100, pattern=r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")
]
IDEMPOTENCY_KEY = r"^[A-Za-z0-9_-]{16,64}$"

KINDS = {
    "partner": ("Partenaire", "lit les notes de synthèse et les indicateurs du membre"),
    "ent-ingest": ("ENT", "envoie les visites d'un projet ENT du membre"),
}
MESSAGES = {
    "disabled": "Le client est désactivé : il ne peut plus obtenir de jeton.",
    "enabled": "Le client est réactivé.",
}
# A page showing a secret is kept by no cache, the browser's included.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

ACTIONS = {
    "rotate": {
        "title": "Changer le secret",
        "explain": "Un nouveau secret est créé et affiché une seule fois ; l'ancien cesse "
        "aussitôt de fonctionner. Mettez à jour le logiciel qui utilise ce client.",
        "button": "Changer le secret",
    },
    "disable": {
        "title": "Désactiver le client",
        "explain": "Le client ne pourra plus obtenir de jeton ; vous pourrez le réactiver.",
        "button": "Désactiver",
    },
}


def _kind_label(kind: str) -> str:
    return KINDS.get(kind, (kind, ""))[0]


async def _page(
    request: Request,
    session: ConsoleSession,
    ctx: MemberContext,
    *,
    problem: FormProblem | None = None,
    form: dict[str, str] | None = None,
    ok: str | None = None,
) -> HTMLResponse:
    api = ConsoleApi(request, session)
    clients = await api.items("/api/v1/clients", member=ctx.slug)
    for c in clients:
        c["kind_label"] = _kind_label(c.get("kind", ""))
    values = form or {}
    return render(
        request,
        "clients.html",
        session,
        status_code=problem.http_status if problem else 200,
        ctx=ctx,
        clients=clients,
        kinds=KINDS,
        problem=problem,
        form={
            "kind": values.get("kind", ""),
            "name": values.get("name", ""),
            # One key per displayed form: a double submission creates one client.
            "idempotency_key": values.get("idempotency_key") or secrets.token_urlsafe(24),
        },
        message=flash(MESSAGES, ok),
    )


@router.get("", response_class=HTMLResponse)
async def clients_page(
    request: Request,
    session: AdminSession,
    member: MemberQuery = None,
    ok: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    api = ConsoleApi(request, session)
    try:
        ctx = await member_context(api, session, member)
    except NoMember:
        return no_member_page(request, session)
    return await _page(request, session, ctx, ok=ok)


def _secret_page(
    request: Request,
    session: ConsoleSession,
    ctx: MemberContext,
    client: dict[str, Any],
    *,
    new: bool,
) -> HTMLResponse:
    client["kind_label"] = _kind_label(client.get("kind", ""))
    response = render(
        request,
        "client_secret.html",
        session,
        status_code=201 if new else 200,
        ctx=ctx,
        client=client,
        new=new,
        back=f"{PAGE}?{ctx.query()}",
    )
    response.headers.update(NO_STORE)
    return response


@router.post("", response_class=HTMLResponse)
async def create_client(
    request: Request,
    session: AdminForm,
    member: Annotated[str, Form(max_length=63)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    idempotency_key: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    api = ConsoleApi(request, session)
    try:
        ctx = await member_context(api, session, member or None)
    except NoMember:
        return no_member_page(request, session)
    form = {"kind": kind, "name": name, "idempotency_key": idempotency_key}
    if kind not in KINDS:
        problem = FormProblem.local("Choisissez le type de client.", kind="Type requis.")
        return await _page(request, session, ctx, problem=problem, form=form)
    body: dict[str, Any] = {"member": ctx.slug, "kind": kind}
    if name.strip():
        body["name"] = name.strip()
    headers = {}
    if re.fullmatch(IDEMPOTENCY_KEY, idempotency_key):
        headers["Idempotency-Key"] = idempotency_key
    try:
        created = await api.post("/api/v1/clients", json=body, headers=headers)
    except ApiError as exc:
        problem = FormProblem.of(exc, known=("kind", "name"))
        return await _page(request, session, ctx, problem=problem, form=form)
    return _secret_page(request, session, ctx, created, new=True)


async def _visible(
    api: ConsoleApi, session: ConsoleSession, client_id: str, member: str | None
) -> tuple[MemberContext, dict[str, Any]]:
    client = await api.get(f"/api/v1/clients/{client_id}")
    ctx = await member_context(api, session, member or client["member"])
    if ctx.slug != client["member"]:
        raise NoMember()
    return ctx, client


def _confirm(
    request: Request,
    session: ConsoleSession,
    ctx: MemberContext,
    client: dict[str, Any],
    action: str,
    problem: FormProblem | None = None,
) -> HTMLResponse:
    client["kind_label"] = _kind_label(client.get("kind", ""))
    return render(
        request,
        "client_confirm.html",
        session,
        status_code=problem.http_status if problem else 200,
        ctx=ctx,
        client=client,
        action=action,
        text=ACTIONS[action],
        problem=problem,
        back=f"{PAGE}?{ctx.query()}",
    )


@router.get("/{client_id}/{action}", response_class=HTMLResponse)
async def confirm_page(
    request: Request,
    session: AdminSession,
    client_id: ClientIdPath,
    action: Annotated[str, Path(pattern="^(rotate|disable)$")],
    member: MemberQuery = None,
) -> HTMLResponse:
    api = ConsoleApi(request, session)
    try:
        ctx, client = await _visible(api, session, client_id, member)
    except NoMember:
        return no_member_page(request, session)
    return _confirm(request, session, ctx, client, action)


@router.post("/{client_id}/rotate", response_class=HTMLResponse)
async def rotate(
    request: Request,
    session: AdminForm,
    client_id: ClientIdPath,
    member: Annotated[str, Form(max_length=63)] = "",
) -> Response:
    api = ConsoleApi(request, session)
    try:
        ctx, client = await _visible(api, session, client_id, member or None)
    except NoMember:
        return no_member_page(request, session)
    try:
        rotated = await api.post(f"/api/v1/clients/{client_id}/secret")
    except ApiError as exc:
        return _confirm(request, session, ctx, client, "rotate", FormProblem.of(exc))
    return _secret_page(request, session, ctx, rotated, new=False)


@router.post("/{client_id}/{action}", response_class=HTMLResponse)
async def switch(
    request: Request,
    session: AdminForm,
    client_id: ClientIdPath,
    action: Annotated[str, Path(pattern="^(disable|enable)$")],
    member: Annotated[str, Form(max_length=63)] = "",
) -> Response:
    api = ConsoleApi(request, session)
    try:
        ctx, client = await _visible(api, session, client_id, member or None)
    except NoMember:
        return no_member_page(request, session)
    try:
        await api.post(f"/api/v1/clients/{client_id}/{action}")
    except ApiError as exc:
        if action == "disable":
            return _confirm(request, session, ctx, client, action, FormProblem.of(exc))
        return await _page(request, session, ctx, problem=FormProblem.of(exc))
    return done(PAGE, ctx, f"{action}d")
