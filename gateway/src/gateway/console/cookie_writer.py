"""Writes the console's queued cookies (`sessions.SessionCookies`) onto whatever response a
console request ends with: a page, a redirect, or an error handler's page."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.console.sessions import PATH, STATE_KEY


class CookieWriter:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PATH):
            await self.app(scope, receive, send)
            return
        # Made here, so that the request's own `state` (which the queue is put on) is this dict
        # even if a layer below copies the scope.
        state = scope.setdefault("state", {})

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                queued: list[bytes] = state.pop(STATE_KEY, [])
                if queued:
                    headers = list(message.get("headers", []))
                    headers += [(b"set-cookie", value) for value in queued]
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_cookies)
