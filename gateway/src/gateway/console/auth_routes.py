"""Login (authorization code + PKCE), callback, logout."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from gateway.console.deps import CsrfSessionDep, cookies, oidc
from gateway.console.oidc import OIDCError, pkce_pair
from gateway.console.pages import message_page
from gateway.console.sessions import SessionTokens
from gipkit.auth import TokenVerifier
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
    state = cookies(request).begin_login(
        request, verifier=verifier, nonce=nonce, next_path=_safe_next(next)
    )
    url = oidc(request).authorize_url(state=state, nonce=nonce, challenge=challenge)
    return RedirectResponse(url, status_code=303)


@router.get("/auth/callback", include_in_schema=False)
async def callback(
    request: Request,
    code: Annotated[str | None, Query()] = None,
    state: Annotated[str | None, Query()] = None,
    error: Annotated[str | None, Query()] = None,
) -> Response:
    pending = cookies(request).finish_login(request, state or "")
    if error or not code or pending is None:
        return _interrupted(request)
    client = oidc(request)
    verifier: TokenVerifier = request.app.state.verifier
    try:
        grant = await client.exchange_code(
            request.app.state.proxy.client, code=code, verifier=pending.verifier
        )
        # A session is opened only for a token this platform accepts …
        await verifier.verify(grant.access_token)
    except (OIDCError, Unauthorized):
        return message_page(
            request,
            None,
            status_code=502,
            title="Fournisseur d'identité indisponible",
            message="Le fournisseur d'identité n'a pas pu confirmer la connexion. "
            "Veuillez réessayer dans quelques instants.",
            action=("/console/login", "Réessayer"),
        )
    # … issued for this very login: the ID token carries the nonce sent with it (OpenID
    # Connect Core §3.1.3.7), so a code obtained for another login is not taken.
    if not await _id_token_matches(verifier, grant.id_token, client.client_id, pending.nonce):
        return _interrupted(request)
    jar = cookies(request)
    session = SessionTokens.new(
        access_token=grant.access_token,
        access_expires_at=jar.clock() + grant.expires_in,
        refresh_token=grant.refresh_token,
        id_token=grant.id_token,
        now=jar.clock(),
    )
    jar.save(request, session)
    return RedirectResponse(pending.next_path, status_code=303)


def _interrupted(request: Request) -> Response:
    return message_page(
        request,
        None,
        status_code=400,
        title="Connexion interrompue",
        message="La connexion n'a pas abouti ou a expiré. Veuillez recommencer.",
        action=("/console/login", "Se connecter"),
    )


async def _id_token_matches(
    verifier: TokenVerifier, id_token: str | None, client_id: str, nonce: str
) -> bool:
    if not id_token:
        return False
    try:
        claims = await verifier.claims(id_token, audience=client_id)
    except Unauthorized:
        return False
    return hmac.compare_digest(str(claims.get("nonce", "")), nonce)


@router.post("/logout", include_in_schema=False)
async def logout(request: Request, session: CsrfSessionDep) -> RedirectResponse:
    cookies(request).clear(request)
    # Ends the IdP session too (its refresh token with it), then the IdP sends the browser
    # back to the console.
    return RedirectResponse(oidc(request).end_session_url(session.id_token), status_code=303)
