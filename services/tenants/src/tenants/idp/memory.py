"""An in-memory identity provider with Keycloak's rules (unique names, aliases, usernames,
client ids), for tests and for running tenants without an IdP.

`down = True` makes every call fail as an unreachable IdP does.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field

from tenants.idp.port import (
    IdpConflict,
    IdpNotFound,
    IdpUnavailable,
    IdpUser,
    MachineClient,
    NewUser,
    Organization,
)


@dataclass
class _Org:
    id: str
    alias: str
    name: str
    members: list[str] = field(default_factory=list)


@dataclass
class _Client:
    id: str
    client: MachineClient
    secret: str
    enabled: bool = True


class InMemoryIdentityProvider:
    def __init__(self) -> None:
        self.down = False
        self.orgs: dict[str, _Org] = {}
        self.users: dict[str, IdpUser] = {}
        self.clients: dict[str, _Client] = {}
        self.calls = 0  # how many operations reached the IdP

    def _reach(self) -> None:
        if self.down:
            raise IdpUnavailable("the IdP cannot be reached")
        self.calls += 1

    async def aclose(self) -> None:
        return None

    # --- organisations ---------------------------------------------------------------------

    def org_by_alias(self, alias: str) -> _Org | None:
        return next((o for o in self.orgs.values() if o.alias == alias), None)

    async def ensure_organization(self, org: Organization, *, known_id: str | None) -> str:
        self._reach()
        found = self.orgs.get(known_id or "")
        if found is None or found.alias != org.alias:
            found = self.org_by_alias(org.alias)
        if found is None:
            if any(o.name == org.name for o in self.orgs.values()):
                raise IdpConflict(f"an organisation named {org.name!r} already exists")
            found = _Org(id=str(uuid.uuid4()), alias=org.alias, name=org.name)
            self.orgs[found.id] = found
        found.name = org.name
        return found.id

    # --- users -----------------------------------------------------------------------------

    async def list_organization_users(
        self, org_id: str, *, first: int, max_results: int
    ) -> list[IdpUser]:
        self._reach()
        org = self.orgs.get(org_id)
        if org is None:
            raise IdpNotFound("organisation not found")
        users = sorted((self.users[u] for u in org.members), key=lambda u: u.username)
        return users[first : first + max_results]

    async def invite_user(self, org_id: str, user: NewUser) -> tuple[IdpUser, bool]:
        self._reach()
        org = self.orgs.get(org_id)
        if org is None:
            raise IdpNotFound("organisation not found")
        for existing in self.users.values():
            if existing.username == user.username or existing.email == user.email:
                raise IdpConflict("a user with this username or e-mail already exists")
        created = IdpUser(
            id=str(uuid.uuid4()),
            username=user.username,
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            enabled=True,
            roles=(user.role,),
        )
        self.users[created.id] = created
        org.members.append(created.id)
        return created, True

    async def remove_user(self, org_id: str, user_id: str) -> None:
        self._reach()
        org = self.orgs.get(org_id)
        if org is None or user_id not in org.members:
            raise IdpNotFound("user is not a member of the organisation")
        org.members.remove(user_id)

    # --- machine clients -------------------------------------------------------------------

    def client_by_client_id(self, client_id: str) -> _Client | None:
        return next((c for c in self.clients.values() if c.client.client_id == client_id), None)

    async def ensure_client(self, client: MachineClient) -> str:
        self._reach()
        found = self.client_by_client_id(client.client_id)
        if found is not None:
            if found.client.organization != client.organization:
                raise IdpConflict(f"client {client.client_id} exists and is not ours")
            return found.id
        made = _Client(id=str(uuid.uuid4()), client=client, secret=secrets.token_urlsafe(24))
        self.clients[made.id] = made
        return made.id

    async def new_client_secret(self, idp_id: str) -> str:
        self._reach()
        found = self.clients.get(idp_id)
        if found is None:
            raise IdpNotFound("client not found")
        found.secret = secrets.token_urlsafe(24)
        return found.secret

    async def set_client_enabled(self, idp_id: str, enabled: bool) -> None:
        self._reach()
        found = self.clients.get(idp_id)
        if found is None:
            raise IdpNotFound("client not found")
        found.enabled = enabled
