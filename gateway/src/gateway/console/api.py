"""Calls from console pages to the services, with the user's own token, routed by the
gateway's routing table over its shared client (one hop, like any API call)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import Request
from opentelemetry import propagate

from gateway.console.errors import ApiError, LoginRequired
from gateway.console.sessions import ConsoleSession
from gateway.routing import resolve
from gipkit.context import request_id_var


class ConsoleApi:
    def __init__(self, request: Request, session: ConsoleSession) -> None:
        self.page = request
        self.session = session
        self.proxy = request.app.state.proxy

    def _url(self, path: str) -> httpx.URL:
        route = resolve(path)
        if route is None:
            raise ValueError(f"no service serves {path}")
        return self.proxy.peers[route.service].join(path)

    def _headers(self, accept: str = "application/json") -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.session.access_token}", "Accept": accept}
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
    ) -> httpx.Response:
        headers = self._headers(accept)
        if content_type:
            headers["Content-Type"] = content_type
        try:
            response = await self.proxy.client.request(
                method, self._url(path), params=params, json=json, content=content, headers=headers
            )
        except httpx.HTTPError as exc:
            raise ApiError(503, {"title": "Service indisponible", "detail": str(path)}) from exc
        if response.status_code == 401:
            raise LoginRequired(self.page.url.path)
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.reason_phrase}
            raise ApiError(response.status_code, problem if isinstance(problem, dict) else {})
        return response

    async def get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None}
        return (await self.request("GET", path, params=clean)).json()

    async def post(self, path: str, json: Any = None) -> Any:
        response = await self.request("POST", path, json=json)
        return response.json() if response.content else None
