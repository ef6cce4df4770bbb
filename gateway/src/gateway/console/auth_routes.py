"""Login (authorization code + PKCE), callback, logout."""

from __future__ import annotations

import secrets
import time
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from gateway.console.deps import COOKIE, CsrfSessionDep, oidc, store
from gateway.console.oidc import OIDCError, pkce_pair
from gateway.console.pages import render
from gipkit.errors import Unauthorized

router = APIRouter(prefix="/console")


def _safe_next(path: str | None) -> str:
    # Only our own pages: an open redirect through the login would be a phishing aid.
    if path and path.startswith("/console/") and not path.startswith("//"):
        return path
    return "/console/"


@router.get("/login", include_in_schema=False)
async def login(request: Request, next: Annotated[str | None, Query()] = None) -> RedirectResponse:
    verifier, challenge = pkce_pair()
    nonce = secrets.token_urlsafe(16)
    state = store(request).begin_login(verifier=verifier, nonce=nonce, next_path=_safe_next(next))
    url = oidc(request).authorize_url(state=state, nonce=nonce, challenge=challenge)
    return RedirectResponse(url, status_code=303)


@router.get("/auth/callback", include_in_schema=False)
async def callback(
    request: Request,
    code: Annotated[str | None, Query()] = None,
    state: Annotated[str | None, Query()] = None,
    error: Annotated[str | None, Query()] = None,
):  # type: ignore[no-untyped-def]
    pending = store(request).finish_login(state or "")
    if error or not code or pending is None:
        return render(
            request,
            "message.html",
            None,
            status_code=400,
            title="Connexion interrompue",
            message="La connexion n'a pas abouti ou a expiré. Veuillez recommencer.",
            action=("/console/login", "Se connecter"),
        )
    try:
        tokens = await oidc(request).exchange_code(
            request.app.state.proxy.client, code=code, verifier=pending.verifier
        )
        principal = await request.app.state.verifier.verify(tokens.access_token)
    except (OIDCError, Unauthorized):
        return render(
            request,
            "message.html",
            None,
            status_code=502,
            title="Fournisseur d'identité indisponible",
            message="Le fournisseur d'identité n'a pas pu confirmer la connexion. "
            "Veuillez réessayer dans quelques instants.",
            action=("/console/login", "Réessayer"),
        )
    session = store(request).create(
        principal=principal,
        access_token=tokens.access_token,
        access_expires_at=time.time() + tokens.expires_in,
        refresh_token=tokens.refresh_token,
        id_token=tokens.id_token,
    )
    response = RedirectResponse(pending.next_path, status_code=303)
    settings = request.app.state.settings
    response.set_cookie(
        COOKIE,
        session.id,
        httponly=True,
        samesite="lax",
        secure=settings.env != "dev",
        path="/console",
        max_age=int(store(request).ttl),
    )
    return response


@router.post("/logout", include_in_schema=False)
async def logout(request: Request, session: CsrfSessionDep) -> RedirectResponse:
    store(request).drop(session.id)
    # Ends the IdP session too, then the IdP sends the browser back to the console.
    response = RedirectResponse(oidc(request).end_session_url(session.id_token), status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response
