"""Utilisateurs: the people of a member's organisation, and inviting an administrator or a
viewer (tenants' API, which provisions the IdP)."""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
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
from gipkit.auth import MEMBER_ADMIN, MEMBER_VIEWER

router = APIRouter(prefix="/console/users", include_in_schema=False)
PAGE = "/console/users"

IDEMPOTENCY_KEY = r"^[A-Za-z0-9_-]{16,64}$"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

ROLES = {
    MEMBER_ADMIN: ("Administrateur", "abonnements, factures, notes, clients d'API, utilisateurs"),
    MEMBER_VIEWER: ("Lecteur", "tableaux de bord et notes de synthèse"),
}
MESSAGES = {
    "invited": "L'invitation est envoyée : la personne reçoit un courriel pour choisir son "
    "mot de passe.",
    "invited-nomail": "Le compte est créé, mais aucun courriel n'a pu être envoyé : "
    "transmettez-lui le lien de connexion vous-même.",
}


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
    users = await api.items(f"/api/v1/members/{ctx.slug}/users")
    for u in users:
        u["role_labels"] = [ROLES[r][0] for r in u.get("roles", []) if r in ROLES]
        u["full_name"] = " ".join(x for x in (u.get("first_name"), u.get("last_name")) if x)
    values = form or {}
    return render(
        request,
        "users.html",
        session,
        status_code=problem.http_status if problem else 200,
        ctx=ctx,
        users=users,
        roles=ROLES,
        problem=problem,
        form={
            **{
                k: values.get(k, "")
                for k in ("email", "role", "username", "first_name", "last_name")
            },
            "idempotency_key": values.get("idempotency_key") or secrets.token_urlsafe(24),
        },
        message=flash(MESSAGES, ok),
    )


@router.get("", response_class=HTMLResponse)
async def users_page(
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


@router.post("", response_class=HTMLResponse)
async def invite(
    request: Request,
    session: AdminForm,
    member: Annotated[str, Form(max_length=63)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    username: Annotated[str, Form(max_length=100)] = "",
    first_name: Annotated[str, Form(max_length=200)] = "",
    last_name: Annotated[str, Form(max_length=200)] = "",
    idempotency_key: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    api = ConsoleApi(request, session)
    try:
        ctx = await member_context(api, session, member or None)
    except NoMember:
        return no_member_page(request, session)
    form = {
        "email": email.strip(),
        "role": role,
        "username": username.strip(),
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "idempotency_key": idempotency_key,
    }
    missing: dict[str, str] = {}
    if not EMAIL.match(form["email"]):
        missing["email"] = "Adresse électronique attendue (nom@domaine.fr)."
    if role not in ROLES:
        missing["role"] = "Choisissez un rôle."
    if missing:
        problem = FormProblem.local("Le formulaire est incomplet.", **missing)
        return await _page(request, session, ctx, problem=problem, form=form)
    body: dict[str, Any] = {"email": form["email"], "role": role}
    for key in ("username", "first_name", "last_name"):
        if form[key]:
            body[key] = form[key]
    headers = {}
    if re.fullmatch(IDEMPOTENCY_KEY, idempotency_key):
        headers["Idempotency-Key"] = idempotency_key
    try:
        invited = await api.post(f"/api/v1/members/{ctx.slug}/users", json=body, headers=headers)
    except ApiError as exc:
        problem = FormProblem.of(
            exc, known=("email", "role", "username", "first_name", "last_name")
        )
        return await _page(request, session, ctx, problem=problem, form=form)
    sent = bool((invited or {}).get("invitation_sent"))
    return done(PAGE, ctx, "invited" if sent else "invited-nomail")
