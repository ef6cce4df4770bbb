"""/api/v1/clients: ENT ingest and partner clients of members (confidential, in the IdP)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Response

from gipkit.db import SessionDep
from gipkit.errors import problem_responses
from gipkit.idempotency import Answer, idempotent_responses
from gipkit.routing import api_router
from tenants.clients import repository, service
from tenants.clients.models import Client, ClientKind
from tenants.clients.schemas import (
    CLIENT_ID_PATTERN,
    ClientCreate,
    ClientCreated,
    ClientPublic,
    ClientWithSecret,
)
from tenants.common import validation as v
from tenants.common.access import MemberManager, Reader, visible_slugs
from tenants.common.idempotency import OnceDep
from tenants.common.pagination import Page, PageDep, make_page
from tenants.idp.deps import IdpDep

router = api_router("/api/v1/clients", tags=["clients"])

ClientIdPath = Annotated[str, Path(max_length=100, pattern=CLIENT_ID_PATTERN)]
NO_STORE = {"Cache-Control": "no-store"}  # answers carrying a secret are never cached


def public(client: Client, member: str) -> ClientPublic:
    return ClientPublic.model_validate({**client.model_dump(), "member": member})


def with_secret(client: Client, member: str, secret: str) -> ClientWithSecret:
    return ClientWithSecret.model_validate(
        {**client.model_dump(), "member": member, "client_secret": secret}
    )


@router.get("", response_model=Page[ClientPublic], summary="List machine clients")
async def list_clients(
    principal: Reader,
    session: SessionDep,
    page: PageDep,
    member: Annotated[str | None, Query(max_length=63, pattern=v.SLUG_PATTERN)] = None,
    kind: Annotated[ClientKind | None, Query()] = None,
) -> Page[ClientPublic]:
    rows = await repository.page(
        session, page, slugs=visible_slugs(principal), member=member, kind=kind
    )
    return make_page(rows, page, key=lambda r: r[0].id or 0, public=lambda r: public(*r))


@router.post(
    "",
    status_code=201,
    response_model=ClientCreated,
    summary="Create an ENT ingest or partner client (the secret is shown once)",
    description=(
        "A confidential client in the IdP with a service account holding the role `kind`, "
        "whose tokens carry the member as `organization`. The answer holds the secret; "
        "tenants does not keep it.\n\n"
        "Idempotent with an `Idempotency-Key`: a retry with the same key and body answers "
        "the same client again, made once in the IdP, but without its secret, which tenants "
        "does not keep (`client_secret: null`, `secret_already_shown: true`). A client "
        "that lost the first answer rotates the secret "
        "(`POST /api/v1/clients/{client_id}/secret`)."
    ),
    responses={**problem_responses(404, 502, 503), **idempotent_responses(201)},
)
async def create_client(
    body: ClientCreate,
    principal: MemberManager,
    session: SessionDep,
    idp: IdpDep,
    once: OnceDep,
) -> Response:
    async def write() -> Answer:
        client, secret = await service.create(
            session=session, idp=idp, principal=principal, data=body
        )
        created = ClientCreated.model_validate(
            {**client.model_dump(), "member": body.member, "client_secret": secret}
        )
        # A replay never holds the secret: only what is safe to keep is stored.
        replay = created.model_copy(update={"client_secret": None, "secret_already_shown": True})
        return Answer(
            201,
            created.model_dump(mode="json"),
            headers={**NO_STORE, "Location": f"/api/v1/clients/{client.client_id}"},
            replay_body=replay.model_dump(mode="json"),
        )

    return await once(body, write)


@router.get(
    "/{client_id}",
    response_model=ClientPublic,
    summary="A machine client",
    responses=problem_responses(404),
)
async def get_client(
    client_id: ClientIdPath, principal: Reader, session: SessionDep
) -> ClientPublic:
    client, member = await service.get_visible(
        session=session, principal=principal, client_id=client_id
    )
    return public(client, member)


@router.post(
    "/{client_id}/secret",
    response_model=ClientWithSecret,
    summary="Rotate the secret (the new one is shown once; the old one stops working)",
    responses=problem_responses(404, 502, 503),
)
async def rotate_secret(
    client_id: ClientIdPath,
    principal: MemberManager,
    session: SessionDep,
    idp: IdpDep,
    response: Response,
) -> ClientWithSecret:
    client, member = await service.get_visible(
        session=session, principal=principal, client_id=client_id
    )
    secret = await service.rotate(session=session, idp=idp, client=client)
    response.headers.update(NO_STORE)
    return with_secret(client, member, secret)


@router.post(
    "/{client_id}/disable",
    response_model=ClientPublic,
    summary="Disable a client (its tokens can no longer be obtained)",
    responses=problem_responses(404, 502, 503),
)
async def disable_client(
    client_id: ClientIdPath, principal: MemberManager, session: SessionDep, idp: IdpDep
) -> ClientPublic:
    client, member = await service.get_visible(
        session=session, principal=principal, client_id=client_id
    )
    updated = await service.set_enabled(session=session, idp=idp, client=client, enabled=False)
    return public(updated, member)


@router.post(
    "/{client_id}/enable",
    response_model=ClientPublic,
    summary="Enable a disabled client again",
    responses=problem_responses(404, 502, 503),
)
async def enable_client(
    client_id: ClientIdPath, principal: MemberManager, session: SessionDep, idp: IdpDep
) -> ClientPublic:
    client, member = await service.get_visible(
        session=session, principal=principal, client_id=client_id
    )
    updated = await service.set_enabled(session=session, idp=idp, client=client, enabled=True)
    return public(updated, member)
