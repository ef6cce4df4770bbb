"""The IdP as a request dependency, and its errors as problem+json."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request

from gipkit.errors import BadGateway, Conflict, NotFound, ServiceUnavailable
from tenants.idp.keycloak import KeycloakIdentityProvider
from tenants.idp.port import IdentityProvider, IdpConflict, IdpError, IdpNotFound, IdpUnavailable
from tenants.settings import Settings


def keycloak_from_settings(settings: Settings) -> KeycloakIdentityProvider:
    return KeycloakIdentityProvider(
        server_url=settings.idp_url,
        realm=settings.realm,
        client_id=settings.idp_admin_client_id,
        client_secret=settings.idp_admin_client_secret.get_secret_value(),
        audience=settings.oidc_audience,
        timeout=settings.idp_timeout_seconds,
    )


async def open_idp(app: FastAPI) -> None:
    # Tests put their own (in-memory) IdP on app.state before startup.
    if getattr(app.state, "idp", None) is None:
        app.state.idp = keycloak_from_settings(app.state.settings)
        app.state.idp_owned = True


async def close_idp(app: FastAPI) -> None:
    if getattr(app.state, "idp_owned", False):
        await app.state.idp.aclose()
        app.state.idp = None
        app.state.idp_owned = False


async def get_idp(request: Request) -> IdentityProvider:
    idp: IdentityProvider = request.app.state.idp
    return idp


IdpDep = Annotated[IdentityProvider, Depends(get_idp)]


def http_error(exc: IdpError) -> Exception:
    """The answer to give a caller when the IdP failed."""
    if isinstance(exc, IdpUnavailable):
        return ServiceUnavailable(
            "the identity provider is unavailable; try again later",
            headers={"Retry-After": "30"},
            fr="le fournisseur d'identité est indisponible ; réessayez plus tard",
        )
    if isinstance(exc, IdpConflict):
        return Conflict(str(exc), fr=exc.fr)
    if isinstance(exc, IdpNotFound):
        return NotFound(str(exc), fr=exc.fr)
    return BadGateway(
        "the identity provider answered unexpectedly",
        fr="le fournisseur d'identité a répondu de façon inattendue",
    )
