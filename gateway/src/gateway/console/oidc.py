"""OpenID Connect authorization code + PKCE for the console (public client `gip-console`).

The browser is sent to the issuer's URL (what the user's browser can reach); the code is
exchanged over the back channel (`GIP_IDP_URL`), as in compose where the two differ.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

SCOPES = "openid profile email organization"


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    expires_in: int
    refresh_token: str | None
    id_token: str | None

    @classmethod
    def from_response(cls, data: dict[str, Any]) -> TokenSet:
        return cls(
            access_token=str(data["access_token"]),
            expires_in=int(data.get("expires_in", 300)),
            refresh_token=data.get("refresh_token"),
            id_token=data.get("id_token"),
        )


class OIDCError(Exception):
    """The IdP refused or could not be reached; the user is asked to log in again."""


@dataclass(frozen=True)
class OIDCClient:
    issuer: str  # browser-facing, e.g. http://127.0.0.1:8080/realms/gip
    backchannel: str  # server-facing base of the same realm
    client_id: str
    redirect_uri: str
    post_logout_redirect_uri: str

    def authorize_url(self, *, state: str, nonce: str, challenge: str) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": self.redirect_uri,
                "scope": SCOPES,
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self.issuer}/protocol/openid-connect/auth?{query}"

    def end_session_url(self, id_token: str | None) -> str:
        params = {
            "client_id": self.client_id,
            "post_logout_redirect_uri": self.post_logout_redirect_uri,
        }
        if id_token:
            params["id_token_hint"] = id_token
        return f"{self.issuer}/protocol/openid-connect/logout?{urlencode(params)}"

    async def _token(self, client: httpx.AsyncClient, form: dict[str, str]) -> TokenSet:
        url = f"{self.backchannel}/protocol/openid-connect/token"
        try:
            response = await client.post(url, data={"client_id": self.client_id, **form})
        except httpx.HTTPError as exc:
            raise OIDCError(f"identity provider unreachable: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise OIDCError(f"identity provider refused: {response.status_code}")
        return TokenSet.from_response(response.json())

    async def exchange_code(
        self, client: httpx.AsyncClient, *, code: str, verifier: str
    ) -> TokenSet:
        return await self._token(
            client,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "code_verifier": verifier,
            },
        )

    async def refresh(self, client: httpx.AsyncClient, *, refresh_token: str) -> TokenSet:
        return await self._token(
            client, {"grant_type": "refresh_token", "refresh_token": refresh_token}
        )
