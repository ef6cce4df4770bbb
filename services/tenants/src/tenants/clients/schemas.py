"""Machine clients as the API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from tenants.clients.models import ClientKind
from tenants.common.schemas import Name, PublicModel, RequestModel, Slug

CLIENT_ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$"


class ClientCreate(RequestModel):
    member: Slug = Field(description="The member the client acts for (its `organization` claim)")
    kind: ClientKind = Field(description="`ent-ingest` sends hits, `partner` reads notes")
    name: Name | None = Field(default=None, description="Defaults to kind and member")


class ClientPublic(PublicModel):
    client_id: str = Field(description="OAuth2 client id (client credentials grant)")
    member: str
    kind: ClientKind
    name: str
    enabled: bool
    created_at: datetime
    secret_rotated_at: datetime
    disabled_at: datetime | None


class ClientWithSecret(ClientPublic):
    client_secret: str = Field(
        description="Shown this once: tenants does not keep it. Rotate the secret if lost."
    )


class ClientCreated(ClientPublic):
    """The answer to a creation: with the secret, once."""

    client_secret: str | None = Field(
        description="Shown this once: tenants does not keep it. Rotate the secret if lost. "
        "`null` in the replay of a creation (same Idempotency-Key and body): see "
        "`secret_already_shown`."
    )
    secret_already_shown: bool = Field(
        default=False,
        description="`true` when this answer replays an earlier creation (same "
        "Idempotency-Key and body): the secret was in the first answer only, so "
        "`client_secret` is `null`. Lost it? `POST /api/v1/clients/{client_id}/secret` "
        "makes a new one.",
    )
