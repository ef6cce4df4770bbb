"""Bearer-token verification against the realm's JWKS, the caller as a `Principal`, and roles.

Keys are cached: an IdP that is down does not stop a service from verifying tokens signed
with keys it already knows, and an unknown `kid` (key rotation) triggers at most one JWKS
fetch per `min_refresh_seconds`, so garbage tokens cannot make us hammer the IdP.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gipkit.errors import Forbidden, NotFound, Unauthorized

log = logging.getLogger("gipkit.auth")

ALLOWED_ALGORITHMS = ("RS256", "ES256")
LEEWAY_SECONDS = 30

# Roles of the realm (DESIGN.md §2).
GIP_ADMIN = "gip-admin"
MEMBER_ADMIN = "member-admin"
MEMBER_VIEWER = "member-viewer"
PARTNER = "partner"
ENT_INGEST = "ent-ingest"
SERVICE = "service"
ALL_ROLES = frozenset({GIP_ADMIN, MEMBER_ADMIN, MEMBER_VIEWER, PARTNER, ENT_INGEST, SERVICE})
# Roles that see every tenant's rows.
PLATFORM_ROLES = frozenset({GIP_ADMIN, SERVICE})


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user or a client, its realm roles, and the member it acts for."""

    subject: str
    client_id: str | None
    roles: frozenset[str]
    organization: str | None
    username: str | None = None
    organizations: tuple[str, ...] = ()
    token: str = field(default="", repr=False, compare=False)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_platform(self) -> bool:
        """gip-admin and service principals see every tenant."""
        return bool(self.roles & PLATFORM_ROLES)

    def can_see(self, organization: str | None) -> bool:
        return self.is_platform or (organization is not None and organization in self.organizations)

    def ensure_can_see(self, organization: str | None, what: str = "resource") -> None:
        """Another tenant's object is a 404: its existence is not disclosed."""
        if not self.can_see(organization):
            raise NotFound(f"{what} not found")


def organizations_from_claim(claim: Any) -> tuple[str, ...]:
    """Keycloak 26 emits `organization` as a string (hard-coded mapper), a list of aliases, or
    a map alias → {id}. All three become a tuple of aliases."""
    if claim is None:
        return ()
    if isinstance(claim, str):
        return (claim,) if claim else ()
    if isinstance(claim, Mapping):
        return tuple(sorted(str(k) for k in claim))
    if isinstance(claim, Iterable):
        return tuple(sorted(str(x) for x in claim))
    return ()


def principal_from_claims(claims: Mapping[str, Any], token: str = "") -> Principal:
    realm_access = claims.get("realm_access") or {}
    roles = frozenset(r for r in realm_access.get("roles", []) if r in ALL_ROLES)
    orgs = organizations_from_claim(claims.get("organization"))
    return Principal(
        subject=str(claims.get("sub", "")),
        client_id=claims.get("azp") or claims.get("client_id"),
        roles=roles,
        organization=orgs[0] if orgs else None,
        username=claims.get("preferred_username"),
        organizations=orgs,
        token=token,
    )


KeyFetcher = Callable[[], Awaitable[Mapping[str, Any]]]


class JWKSCache:
    """Signing keys by `kid`, fetched from the realm's JWKS endpoint and kept across outages."""

    def __init__(
        self,
        fetch: KeyFetcher,
        *,
        min_refresh_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._min_refresh = min_refresh_seconds
        self._clock = clock
        self._keys: dict[str, Any] = {}
        self._last_fetch: float | None = None
        self._lock = asyncio.Lock()

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 5.0, **kw: Any) -> JWKSCache:
        async def fetch() -> Mapping[str, Any]:
            async with httpx.AsyncClient(timeout=timeout) as client:
                response = await client.get(url)
                response.raise_for_status()
                data: Mapping[str, Any] = response.json()
                return data

        return cls(fetch, **kw)

    @property
    def kids(self) -> frozenset[str]:
        return frozenset(self._keys)

    async def refresh(self) -> bool:
        """Fetch the JWKS now; keeps the old keys if the IdP cannot be reached."""
        self._last_fetch = self._clock()
        try:
            jwks = await self._fetch()
        except Exception as exc:  # network, HTTP status or JSON: keep serving known keys
            log.warning("JWKS refresh failed, keeping %d known keys: %s", len(self._keys), exc)
            return False
        keys: dict[str, Any] = {}
        for jwk in jwks.get("keys", []):
            if jwk.get("use", "sig") != "sig" or jwk.get("alg", "RS256") not in ALLOWED_ALGORITHMS:
                continue
            try:
                keys[jwk["kid"]] = jwt.PyJWK.from_dict(dict(jwk)).key
            except (KeyError, jwt.PyJWKError):
                continue
        if keys:
            self._keys = keys
        return True

    async def get(self, kid: str) -> Any | None:
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            if kid in self._keys:
                return self._keys[kid]
            due = self._last_fetch is None or self._clock() - self._last_fetch >= self._min_refresh
            if due:
                await self.refresh()
        return self._keys.get(kid)


class TokenVerifier:
    """Checks signature (RS256/ES256 only), `exp` (required), `iss` and `aud`.

    A token already verified is remembered until its `exp` (plus the leeway), so that a client
    sending many requests with one token — an ENT posting hits — pays for the signature check
    once, not per request. Bounded: the oldest entries go first."""

    CACHE_SIZE = 4096

    def __init__(
        self,
        *,
        keys: JWKSCache,
        issuer: str,
        audience: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self._clock = clock
        self._verified: dict[str, tuple[Principal, float]] = {}

    async def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            principal, until = known
            if self._clock() <= until:
                return principal
            del self._verified[token]
        principal, expires = await self._verify(token)
        if len(self._verified) >= self.CACHE_SIZE:
            del self._verified[next(iter(self._verified))]  # dicts keep insertion order
        self._verified[token] = (principal, expires + LEEWAY_SECONDS)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        claims = await self.claims(token)
        return principal_from_claims(claims, token), float(claims["exp"])

    async def claims(self, token: str, *, audience: str | None = None) -> dict[str, Any]:
        """The claims of `token`, once its signature, `exp`, `iss` and `aud` are checked:
        `aud` is this verifier's audience unless another is given (an OpenID Connect ID token
        is issued for the client that asked for it)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("malformed token") from exc
        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise Unauthorized(f"token algorithm {alg!r} is not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise Unauthorized("token has no key id")
        key = await self.keys.get(kid)
        if key is None:
            raise Unauthorized("token signed with an unknown key")
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=audience or self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("token expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        return claims


_bearer = HTTPBearer(auto_error=False, description="Access token of realm `gip`")


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("a bearer token is required")
    verifier: TokenVerifier = request.app.state.verifier
    principal = await verifier.verify(credentials.credentials)
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through principals holding at least one of `roles`."""
    wanted = frozenset(roles)

    async def dependency(principal: PrincipalDep) -> Principal:
        if not principal.roles & wanted:
            raise Forbidden(f"requires one of the roles: {', '.join(sorted(wanted))}")
        return principal

    return dependency


@dataclass(frozen=True)
class TenantScope:
    """The organisations whose rows the caller may see; `None` means every one."""

    organizations: frozenset[str] | None

    @property
    def all(self) -> bool:
        return self.organizations is None

    def allows(self, organization: str | None) -> bool:
        return self.organizations is None or organization in self.organizations


async def get_tenant_scope(principal: PrincipalDep) -> TenantScope:
    if principal.is_platform:
        return TenantScope(None)
    return TenantScope(frozenset(principal.organizations))


TenantScopeDep = Annotated[TenantScope, Depends(get_tenant_scope)]
