"""Access tokens signed with a test key, verified by the real `TokenVerifier`."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from gipkit.auth import JWKSCache, TokenVerifier

TEST_ISSUER = "http://idp.test/realms/gip"
TEST_AUDIENCE = "gip-api"
TEST_KID = "test-key-1"


class TokenFactory:
    """Mints RS256 tokens shaped like the realm's, with a key generated for the test run."""

    def __init__(self, *, issuer: str = TEST_ISSUER, audience: str = TEST_AUDIENCE) -> None:
        self.issuer = issuer
        self.audience = audience
        self.kid = TEST_KID

    @cached_property
    def private_key(self) -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @property
    def jwks(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def verifier(self) -> TokenVerifier:
        async def fetch() -> Mapping[str, Any]:
            return self.jwks

        return TokenVerifier(keys=JWKSCache(fetch), issuer=self.issuer, audience=self.audience)

    def mint(
        self,
        *,
        roles: Iterable[str] = (),
        organization: Any = None,
        subject: str | None = None,
        client_id: str = "test-client",
        username: str | None = None,
        expires_in: int = 300,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject or str(uuid.uuid4()),
            "azp": client_id,
            "iat": now,
            "exp": now + expires_in,
            "jti": str(uuid.uuid4()),
            "typ": "Bearer",
            "realm_access": {"roles": list(roles)},
            "preferred_username": username or client_id,
        }
        if organization is not None:
            payload["organization"] = organization
        payload.update(claims)
        return jwt.encode(payload, self.private_key, algorithm="RS256", headers={"kid": self.kid})

    def headers(self, **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mint(**kw)}"}


# Peer URLs on a port where nothing listens: readiness must report them unavailable.
CLOSED_PEERS = {
    f"peer_{name}": "http://127.0.0.1:9" for name in ("tenants", "billing", "measure", "reports")
}
