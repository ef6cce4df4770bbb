"""Server-side console sessions: the browser holds only a random id in an HttpOnly cookie;
tokens never reach it. Kept in memory: one gateway replica per console, or sticky sessions,
until a shared store is needed (noted in the README)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from gipkit.auth import Principal

PENDING_LOGIN_SECONDS = 600


@dataclass
class PendingLogin:
    verifier: str
    nonce: str
    next_path: str
    created: float


@dataclass
class ConsoleSession:
    id: str
    principal: Principal
    access_token: str
    access_expires_at: float
    refresh_token: str | None
    id_token: str | None
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    last_seen: float = 0.0


class SessionStore:
    def __init__(self, *, ttl_seconds: float, clock: Callable[[], float] = time.time) -> None:
        self.ttl = ttl_seconds
        self.clock = clock
        self._sessions: dict[str, ConsoleSession] = {}
        self._pending: dict[str, PendingLogin] = {}

    def begin_login(self, *, verifier: str, nonce: str, next_path: str) -> str:
        self._expire()
        state = secrets.token_urlsafe(32)
        self._pending[state] = PendingLogin(verifier, nonce, next_path, self.clock())
        return state

    def finish_login(self, state: str) -> PendingLogin | None:
        """The pending login for `state`, once: a replayed callback finds nothing."""
        self._expire()
        return self._pending.pop(state, None)

    def create(self, **fields: object) -> ConsoleSession:
        session = ConsoleSession(id=secrets.token_urlsafe(32), **fields)  # type: ignore[arg-type]
        session.last_seen = self.clock()
        self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> ConsoleSession | None:
        if not session_id:
            return None
        self._expire()
        session = self._sessions.get(session_id)
        if session is not None:
            session.last_seen = self.clock()
        return session

    def drop(self, session_id: str | None) -> ConsoleSession | None:
        return self._sessions.pop(session_id or "", None)

    def _expire(self) -> None:
        now = self.clock()
        for sid in [s for s, v in self._sessions.items() if now - v.last_seen > self.ttl]:
            del self._sessions[sid]
        for st in [s for s, v in self._pending.items() if now - v.created > PENDING_LOGIN_SECONDS]:
            del self._pending[st]
