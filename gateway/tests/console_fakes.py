"""The console as its tests see it: the services' APIs and the IdP's token endpoint faked by
respx, a logged-in user with the roles a test asks for, and the session's CSRF token.
The `console` fixture (gateway/tests/conftest.py) gives one."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

IDP = "http://idp.test"
TOKEN_URL = f"{IDP}/realms/gip/protocol/openid-connect/token"
MEMBERS = [
    {"slug": "hds", "name": "Département des Hauts-de-Seine"},
    {"slug": "idf", "name": "Région Île-de-France"},
]
NNBSP = "\u202f"  # Babel's fr-FR thousands separator, and its space before %
NBSP = "\xa0"  # and before €


def problem(status: int, detail: str, **extra: Any) -> httpx.Response:
    body = {"type": "about:blank", "title": "x", "status": status, "detail": detail, **extra}
    return httpx.Response(
        status, content=json.dumps(body), headers={"Content-Type": "application/problem+json"}
    )


@dataclass
class Console:
    client: httpx.AsyncClient
    mock: respx.MockRouter
    peers: dict[str, str]
    claims: dict[str, Any] = field(default_factory=dict)
    nonce: str = ""  # sent by the last authorization request

    def url(self, service: str, path: str) -> str:
        return f"{self.peers[service]}{path}"

    def on(self, method: str, service: str, path: str, **params: Any) -> respx.Route:
        return self.mock.request(method, self.url(service, path), params=params or None)

    async def log_in(self, *roles: str, organization: list[str] | None = None) -> None:
        self.claims = {"roles": list(roles)}
        if organization is not None:
            self.claims["organization"] = organization
        start = await self.client.get("/console/login?next=/console/")
        query = parse_qs(urlsplit(start.headers["location"]).query)
        state, self.nonce = query["state"][0], query["nonce"][0]
        done = await self.client.get(f"/console/auth/callback?code=c&state={state}")
        assert done.status_code == 303, done.text

    async def csrf(self, page: str = "/console/notes") -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', (await self.client.get(page)).text)
        assert found
        return found.group(1)


@pytest.fixture
async def console(gateway, tokens, peers) -> AsyncIterator[Console]:
    async with gateway(idp_url=IDP) as app:
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 51000))
        async with httpx.AsyncClient(transport=transport, base_url="https://gateway.test") as c:
            with respx.mock(assert_all_called=False) as mock:
                console = Console(c, mock, {name: peer.url for name, peer in peers.items()})

                def token(request: httpx.Request) -> httpx.Response:
                    access = tokens.mint(
                        client_id="gip-console", username="someone", **console.claims
                    )
                    id_token = tokens.mint(
                        client_id="gip-console", aud="gip-console", typ="ID", nonce=console.nonce
                    )
                    return httpx.Response(
                        200,
                        json={
                            "access_token": access,
                            "id_token": id_token,
                            "expires_in": 300,
                            "token_type": "Bearer",
                        },
                    )

                mock.post(TOKEN_URL).mock(side_effect=token)
                mock.get(console.url("tenants", "/api/v1/members")).respond(
                    json={"items": MEMBERS, "next_cursor": None}
                )
                mock.get(console.url("tenants", "/api/v1/projects")).respond(
                    json={"items": [{"slug": "ent-hds", "name": "ENC 92"}], "next_cursor": None}
                )
                yield console


def sent_json(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)
