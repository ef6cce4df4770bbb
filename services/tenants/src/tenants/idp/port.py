"""What tenants needs from the identity provider, independent of Keycloak.

The services call this interface; `keycloak.py` implements it with python-keycloak's
`KeycloakAdmin`, `memory.py` in memory for tests. Every operation is idempotent where the IdP
lets it be (find before create), because a retry after a timeout must not create twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class IdpError(Exception):
    """The IdP refused or answered something unexpected (→ 502)."""

    def __init__(self, message: str, *, fr: str | None = None) -> None:
        super().__init__(message)
        self.fr = fr  # the same in French, passed on to a caller who asks in French


class IdpUnavailable(IdpError):
    """The IdP cannot be reached or is failing (→ 503, try again later)."""


class IdpConflict(IdpError):
    """The object already exists in a way we cannot adopt (→ 409)."""


class IdpNotFound(IdpError):
    """The object is not in the IdP (→ 404)."""


@dataclass(frozen=True)
class Organization:
    alias: str
    name: str
    domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class IdpUser:
    id: str
    username: str
    email: str | None
    first_name: str | None
    last_name: str | None
    enabled: bool
    roles: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class NewUser:
    username: str
    email: str
    first_name: str | None
    last_name: str | None
    role: str


@dataclass(frozen=True)
class MachineClient:
    """A confidential client with a service account holding `role`, whose tokens carry
    `organization` (hard-coded claim) and the API audience."""

    client_id: str
    name: str
    role: str
    organization: str


class IdentityProvider(Protocol):
    async def ensure_organization(self, org: Organization, *, known_id: str | None) -> str:
        """The id of the organisation with `org.alias`, created if absent, renamed if its name
        changed. `known_id` is tried first."""
        ...

    async def list_organization_users(
        self, org_id: str, *, first: int, max_results: int
    ) -> list[IdpUser]: ...

    async def invite_user(self, org_id: str, user: NewUser) -> tuple[IdpUser, bool]:
        """Create the user with its realm role, add it to the organisation, and ask the IdP to
        e-mail the set-password link. Returns the user and whether the e-mail was sent."""
        ...

    async def remove_user(self, org_id: str, user_id: str) -> None: ...

    async def ensure_client(self, client: MachineClient) -> str:
        """The IdP id of `client`, created (with its role and mappers) if absent."""
        ...

    async def new_client_secret(self, idp_id: str) -> str:
        """A new secret for the client; the previous one stops working."""
        ...

    async def set_client_enabled(self, idp_id: str, enabled: bool) -> None: ...

    async def aclose(self) -> None: ...
