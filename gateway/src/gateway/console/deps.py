"""Dependencies of console pages: the session (refreshed before its token expires), CSRF."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Form, Request

from gateway.console.errors import ConsoleForbidden, CsrfRefused, LoginRequired
from gateway.console.oidc import OIDCClient, OIDCError
from gateway.console.sessions import ConsoleSession, SessionCookies
from gipkit.errors import Unauthorized

# Refresh this long before the access token expires, so a page never calls an API with a
# token that dies on the way.
REFRESH_MARGIN_SECONDS = 60


def cookies(request: Request) -> SessionCookies:
    return request.app.state.console_sessions  # type: ignore[no-any-return]


def oidc(request: Request) -> OIDCClient:
    return request.app.state.console_oidc  # type: ignore[no-any-return]


def _next_path(request: Request) -> str:
    path = request.url.path
    return f"{path}?{request.url.query}" if request.url.query else path


async def current_session(request: Request) -> ConsoleSession:
    jar = cookies(request)
    tokens = jar.read(request)
    if tokens is None:
        jar.clear(request)
        raise LoginRequired(_next_path(request))
    changed = jar.idle_for_a_while(tokens)
    if tokens.access_expires_at - jar.clock() < REFRESH_MARGIN_SECONDS:
        if not tokens.refresh_token:
            jar.clear(request)
            raise LoginRequired(_next_path(request))
        try:
            fresh = await oidc(request).refresh(
                request.app.state.proxy.client, refresh_token=tokens.refresh_token
            )
        except OIDCError as exc:
            jar.clear(request)
            raise LoginRequired(_next_path(request)) from exc
        tokens.access_token = fresh.access_token
        tokens.access_expires_at = jar.clock() + fresh.expires_in
        tokens.refresh_token = fresh.refresh_token or tokens.refresh_token
        changed = True
    try:
        # Who the user is comes from the access token, verified on every request like any
        # API call's: the cookie only carries it.
        principal = await request.app.state.verifier.verify(tokens.access_token)
    except Unauthorized as exc:
        jar.clear(request)
        raise LoginRequired(_next_path(request)) from exc
    if changed:
        jar.save(request, tokens)
    session = ConsoleSession.of(tokens, principal)
    request.state.console_session = session
    return session


SessionDep = Annotated[ConsoleSession, Depends(current_session)]


def require_console_roles(*roles: str) -> Callable[[ConsoleSession], ConsoleSession]:
    def dependency(session: SessionDep) -> ConsoleSession:
        if not session.principal.has_role(*roles):
            raise ConsoleForbidden()
        return session

    return dependency


def _csrf_ok(session: ConsoleSession, csrf: str) -> bool:
    return bool(csrf) and hmac.compare_digest(csrf.encode(), session.csrf_token.encode())


def check_csrf(session: SessionDep, csrf: Annotated[str, Form()] = "") -> ConsoleSession:
    """Every state-changing form carries the session's CSRF token."""
    if not _csrf_ok(session, csrf):
        raise CsrfRefused()
    return session


CsrfSessionDep = Annotated[ConsoleSession, Depends(check_csrf)]


def require_console_form(*roles: str) -> Callable[..., ConsoleSession]:
    """A form post of a page open to `roles`: the role first (403 "access refused"), then
    the session's CSRF token (403 "form expired")."""

    def dependency(session: SessionDep, csrf: Annotated[str, Form()] = "") -> ConsoleSession:
        if not session.principal.has_role(*roles):
            raise ConsoleForbidden()
        if not _csrf_ok(session, csrf):
            raise CsrfRefused()
        return session

    return dependency
