"""The database and peer clients of a command run outside the HTTP app (CronJob, CLI)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from gipkit.auth import SERVICE, Principal
from gipkit.db import Database
from gipkit.http import ClientCredentials, ServiceClient, TokenProvider
from reports.settings import Settings

PEERS = ("measure", "billing", "tenants")


def service_principal(settings: Settings) -> Principal:
    """reports itself, acting for the platform (every tenant)."""
    return Principal(
        subject=settings.client_id,
        client_id=settings.client_id,
        roles=frozenset({SERVICE}),
        organization=None,
    )


@asynccontextmanager
async def runtime(settings: Settings) -> AsyncIterator[tuple[Database, dict[str, ServiceClient]]]:
    async with AsyncExitStack() as stack:
        db = Database.from_url(settings.database_url)
        stack.push_async_callback(db.dispose)
        tokens = TokenProvider(
            ClientCredentials(
                idp_url=settings.idp_url,
                realm=settings.realm,
                client_id=settings.client_id,
                client_secret=settings.client_secret.get_secret_value(),
            )
        )
        stack.push_async_callback(tokens.aclose)
        clients: dict[str, ServiceClient] = {}
        for peer in PEERS:
            clients[peer] = ServiceClient(
                peer, str(getattr(settings, f"peer_{peer}")), tokens=tokens
            )
            stack.push_async_callback(clients[peer].aclose)
        yield db, clients
