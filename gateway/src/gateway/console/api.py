"""Calls from console pages to the services, with the user's own token, routed by the
gateway's routing table over its shared client (one hop, like any API call)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import Request
from opentelemetry import propagate

from gateway.console.errors import ApiError, LoginRequired
from gateway.console.sessions import ConsoleSession
from gateway.proxy import Proxy
from gateway.routing import resolve
from gipkit.context import request_id_var


class ConsoleApi:
    def __init__(self, request: Request, session: ConsoleSession) -> None:
        self.page = request
        self.session = session
        self.proxy: Proxy = request.app.state.proxy

    def _url(self, path: str) -> httpx.URL:
        route = resolve(path)
        if route is None:
            raise ValueError(f"no service serves {path}")
        return self.proxy.peers[route.service].join(path)

    def _headers(self, accept: str = "application/json") -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self.session.access_token}",
            "Accept": accept,
            # The services' problems in French, for the console's readers (gipkit.french).
            "Accept-Language": "fr",
        }
        if request_id := request_id_var.get():
            headers["X-Request-ID"] = request_id
        propagate.inject(headers)
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
        accept: str = "application/json",
        headers: dict[str, str] | None = None,
        stream: bool = False,
        read_timeout: float | None = None,
    ) -> httpx.Response:
        """The service's answer; a 401 sends the user to log in again, any other error is an
        `ApiError` carrying the problem+json. With `stream`, the caller reads and closes the
        body (see `download`)."""
        sent = self._headers(accept)
        if content_type:
            sent["Content-Type"] = content_type
        sent.update(headers or {})
        client: httpx.AsyncClient = self.proxy.client
        timeout: Any = httpx.USE_CLIENT_DEFAULT
        if read_timeout is not None:
            timeout = httpx.Timeout(
                connect=client.timeout.connect,
                read=read_timeout,
                write=client.timeout.write,
                pool=client.timeout.pool,
            )
        upstream = client.build_request(
            method,
            self._url(path),
            params=params,
            json=json,
            content=content,
            headers=sent,
            timeout=timeout,
        )
        try:
            response = await client.send(upstream, stream=stream)
        except httpx.HTTPError as exc:
            raise ApiError(503, {"title": "Service indisponible", "detail": str(path)}) from exc
        if response.status_code >= 400:
            if stream:
                try:
                    await response.aread()
                finally:
                    await response.aclose()
            if response.status_code == 401:
                raise LoginRequired(self.page.url.path)
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.reason_phrase}
            raise ApiError(response.status_code, problem if isinstance(problem, dict) else {})
        return response

    async def get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None}
        return (await self.request("GET", path, params=clean)).json()

    async def items(self, path: str, *, pages: int = 5, **params: Any) -> list[Any]:
        """Every item of a paginated list (`items` + `next_cursor`), up to `pages` pages of
        500."""
        found: list[Any] = []
        cursor = None
        for _ in range(pages):
            page = await self.get(path, limit=500, cursor=cursor, **params)
            found.extend(page.get("items", []))
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return found

    async def post(
        self, path: str, json: Any = None, *, headers: dict[str, str] | None = None
    ) -> Any:
        response = await self.request("POST", path, json=json, headers=headers)
        return response.json() if response.content else None

    async def download(self, path: str, *, accept: str, read_timeout: float) -> httpx.Response:
        """A document streamed from a service (the caller closes it): only what the API gives
        this user's token, the console adds nothing."""
        return await self.request(
            "GET", path, accept=accept, stream=True, read_timeout=read_timeout
        )
