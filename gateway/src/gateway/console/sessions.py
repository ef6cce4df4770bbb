"""Console sessions, kept by the browser in sealed cookies (`sealing.Sealer`).

The gateway runs as several replicas (the HorizontalPodAutoscaler keeps two at least) and is
replaced on every rollout: a session held in one process's memory would be lost on the next
request served by another. Sealed into HttpOnly cookies, a session is opened by whichever
replica receives it; its tokens reach the browser only encrypted and authenticated. A login in
progress (PKCE verifier, nonce, the page to return to) travels the same way between the
redirect to the IdP and the callback, in a cookie named after its `state`.

Logging out clears the cookies and ends the IdP session, which revokes the refresh token: a
copy of the cookies kept elsewhere dies when its access token expires (minutes) — the price of
holding no server-side state, as with oauth2-proxy's cookie sessions.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from gateway.console.sealing import Sealer
from gipkit.auth import Principal

COOKIE = "gip_console"
LOGIN_COOKIE = "gip_console_login"
PATH = "/console"
PENDING_LOGIN_SECONDS = 600
# Browsers keep a cookie (name and value) up to 4,096 bytes: a session whose tokens seal larger
# (a realm with many roles) is split over `gip_console`, `gip_console.1`, … as oauth2-proxy does.
CHUNK_CHARS = 3_800
MAX_CHUNKS = 5
# An active session's idle clock is moved forward (its cookie sealed again) at most this often.
TOUCH_SECONDS = 60
# Set-Cookie values for the response, put on `request.state` and written by `CookieWriter`.
STATE_KEY = "console_set_cookies"


@dataclass
class PendingLogin:
    verifier: str
    nonce: str
    next_path: str


@dataclass
class SessionTokens:
    """What the session cookie holds."""

    access_token: str
    access_expires_at: float
    refresh_token: str | None
    id_token: str | None
    csrf_token: str
    last_seen: float

    @classmethod
    def new(
        cls,
        *,
        access_token: str,
        access_expires_at: float,
        refresh_token: str | None,
        id_token: str | None,
        now: float,
    ) -> SessionTokens:
        return cls(
            access_token=access_token,
            access_expires_at=access_expires_at,
            refresh_token=refresh_token,
            id_token=id_token,
            csrf_token=secrets.token_urlsafe(32),
            last_seen=now,
        )

    @classmethod
    def from_sealed(cls, value: dict[str, Any]) -> SessionTokens | None:
        try:
            return cls(**{f.name: value[f.name] for f in fields(SessionTokens)})
        except (KeyError, TypeError):
            return None

    def sealed(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(SessionTokens)}


@dataclass
class ConsoleSession(SessionTokens):
    """A request's session: its tokens and who the access token says the user is."""

    principal: Principal

    @classmethod
    def of(cls, tokens: SessionTokens, principal: Principal) -> ConsoleSession:
        return cls(**asdict(tokens), principal=principal)


class SessionCookies:
    """Reads the console's cookies from a request and queues the ones its response sets."""

    def __init__(
        self,
        *,
        sealer: Sealer,
        ttl_seconds: float,
        secure: bool,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sealer = sealer
        self.ttl = ttl_seconds
        self.secure = secure
        self.clock = clock

    # --- a login in progress -------------------------------------------------------------

    def begin_login(self, request: Request, *, verifier: str, nonce: str, next_path: str) -> str:
        """A new login's `state`; what its callback needs goes in a cookie of its own, so that
        logins begun in two tabs do not undo each other."""
        state = secrets.token_urlsafe(32)
        value = {
            "state": state,
            "verifier": verifier,
            "nonce": nonce,
            "next": next_path,
            "created": self.clock(),
        }
        sealed = self.sealer.seal(LOGIN_COOKIE, value)
        self._queue(request, _login_cookie(state), sealed, max_age=PENDING_LOGIN_SECONDS)
        return state

    def finish_login(self, request: Request, state: str) -> PendingLogin | None:
        """The login begun with `state`, once: its cookie is cleared, so a replayed callback
        finds nothing."""
        if not state:
            return None
        name = _login_cookie(state)
        raw = request.cookies.get(name)
        if raw is None:
            return None
        self._queue(request, name, "", max_age=0)
        value = self.sealer.open(LOGIN_COOKIE, raw)
        if value is None or not hmac.compare_digest(str(value.get("state", "")), state):
            return None
        if self.clock() - float(value.get("created", 0)) > PENDING_LOGIN_SECONDS:
            return None
        return PendingLogin(
            verifier=str(value["verifier"]), nonce=str(value["nonce"]), next_path=str(value["next"])
        )

    # --- the session -----------------------------------------------------------------------

    def read(self, request: Request) -> SessionTokens | None:
        """The request's session, unless absent, not sealed by this platform, or idle longer
        than the session lifetime."""
        chunks = _chunks_of(request)
        if not chunks:
            return None
        value = self.sealer.open(COOKIE, "".join(chunks))
        tokens = SessionTokens.from_sealed(value) if value is not None else None
        if tokens is None or self.clock() - tokens.last_seen > self.ttl:
            return None
        return tokens

    def idle_for_a_while(self, tokens: SessionTokens) -> bool:
        return self.clock() - tokens.last_seen > TOUCH_SECONDS

    def save(self, request: Request, tokens: SessionTokens) -> None:
        """Seal `tokens` (seen now) into the response's cookies."""
        tokens.last_seen = self.clock()
        sealed = self.sealer.seal(COOKIE, tokens.sealed())
        parts = [sealed[i : i + CHUNK_CHARS] for i in range(0, len(sealed), CHUNK_CHARS)]
        if len(parts) > MAX_CHUNKS:
            raise ValueError(f"a console session seals to {len(sealed)} characters")
        for number, part in enumerate(parts):
            self._queue(request, _chunk_name(number), part, max_age=int(self.ttl))
        # A session sealed shorter than before leaves no stale tail behind.
        for number in range(len(parts), MAX_CHUNKS):
            if _chunk_name(number) in request.cookies:
                self._queue(request, _chunk_name(number), "", max_age=0)

    def clear(self, request: Request) -> None:
        """Expire the session cookies the request carried."""
        for number in range(MAX_CHUNKS):
            if _chunk_name(number) in request.cookies:
                self._queue(request, _chunk_name(number), "", max_age=0)

    def _queue(self, request: Request, name: str, value: str, *, max_age: int) -> None:
        carrier = Response()
        carrier.set_cookie(
            name,
            value,
            max_age=max_age,
            path=PATH,
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )
        queued: list[bytes] = request.scope.setdefault("state", {}).setdefault(STATE_KEY, [])
        queued += [header for key, header in carrier.raw_headers if key == b"set-cookie"]


def _chunk_name(number: int) -> str:
    return COOKIE if number == 0 else f"{COOKIE}.{number}"


def _chunks_of(request: Request) -> list[str]:
    chunks = []
    for number in range(MAX_CHUNKS):
        part = request.cookies.get(_chunk_name(number))
        if not part:
            break
        chunks.append(part)
    return chunks


def _login_cookie(state: str) -> str:
    # The state is URL-safe base64: its first characters are a valid cookie name suffix.
    return f"{LOGIN_COOKIE}.{state[:16]}"
