"""Making, rotating and disabling machine clients in the IdP.

Order matters for "nothing created twice": the client id is decided first (from what tenants
knows), the IdP then creates or adopts that client, and only then is it recorded here. A
failure in between leaves at most an IdP client that the next attempt, deciding the same id,
adopts.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from gipkit.auth import Principal
from gipkit.clock import today
from gipkit.errors import Conflict, NotFound
from gipkit.types import utcnow
from tenants.clients import repository
from tenants.clients.models import Client
from tenants.clients.schemas import ClientCreate
from tenants.idp.deps import http_error
from tenants.idp.port import IdentityProvider, IdpError, MachineClient
from tenants.members import service as members


async def get_visible(
    *, session: AsyncSession, principal: Principal, client_id: str
) -> tuple[Client, str]:
    found = await repository.by_client_id(session, client_id)
    if found is None or not principal.can_see(found[1]):
        raise NotFound(f"client {client_id} not found", fr=f"client {client_id} introuvable")
    return found


async def create(
    *, session: AsyncSession, idp: IdentityProvider, principal: Principal, data: ClientCreate
) -> tuple[Client, str]:
    """The new client and its secret (to be shown once)."""
    member = await members.get_visible(session=session, principal=principal, slug=data.member)
    if member.status_on(today()) == "left":
        raise Conflict(
            f"member {member.slug} has left", fr=f"le membre {member.slug} a quitté le GIP"
        )
    assert member.id is not None
    number = await repository.count_for(session, member.id, data.kind) + 1
    client_id = f"{member.slug}-{data.kind}-{number}"
    name = data.name or f"{data.kind} {number} of {member.name}"[:200]
    try:
        idp_id = await idp.ensure_client(
            MachineClient(client_id=client_id, name=name, role=data.kind, organization=member.slug)
        )
        secret = await idp.new_client_secret(idp_id)
    except IdpError as exc:
        raise http_error(exc) from exc
    client = Client(
        client_id=client_id, idp_id=idp_id, member_id=member.id, kind=data.kind, name=name
    )
    session.add(client)
    try:
        await session.flush()
    except IntegrityError as exc:  # another request made the same client just now
        raise Conflict(
            f"client {client_id} was just created; try again",
            fr=f"le client {client_id} vient d'être créé ; réessayez",
        ) from exc
    return client, secret


async def rotate(*, session: AsyncSession, idp: IdentityProvider, client: Client) -> str:
    try:
        secret = await idp.new_client_secret(client.idp_id)
    except IdpError as exc:
        raise http_error(exc) from exc
    client.secret_rotated_at = utcnow()
    await session.flush()
    return secret


async def set_enabled(
    *, session: AsyncSession, idp: IdentityProvider, client: Client, enabled: bool
) -> Client:
    try:
        await idp.set_client_enabled(client.idp_id, enabled)
    except IdpError as exc:
        raise http_error(exc) from exc
    if client.enabled != enabled:
        client.enabled = enabled
        client.disabled_at = None if enabled else utcnow()
        await session.flush()
    return client
