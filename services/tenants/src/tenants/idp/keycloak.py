"""The IdP port implemented with python-keycloak's `KeycloakAdmin` (Keycloak 26, dev IdP).

Only the `a_*` (httpx) methods are used: they do not block the event loop, and respx can
stand in for the IdP in unit tests. The exact requests are in
shared/reference/keycloak-subset.md. Every create is preceded by a lookup so that a retry
after a failure adopts what the first attempt made instead of creating it twice; what is
adopted must carry our marker, so that nobody can take over a client they did not create.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from keycloak import KeycloakAdmin, KeycloakOpenIDConnection
from keycloak.exceptions import KeycloakConnectionError, KeycloakError

from tenants.idp.port import (
    IdpConflict,
    IdpError,
    IdpNotFound,
    IdpUnavailable,
    IdpUser,
    MachineClient,
    NewUser,
    Organization,
)

log = logging.getLogger("tenants.idp")

# Marks the clients tenants made, and for whom (client attributes are a string map).
MANAGED_BY = "gip.managed-by"
MANAGED_BY_US = "tenants"
ORGANIZATION_ATTRIBUTE = "gip.organization"
# What a new user is asked to do on first sign-in (and by e-mail).
INVITE_ACTIONS = ["UPDATE_PASSWORD", "VERIFY_EMAIL"]
# Realm roles worth reporting on a member's users.
USER_ROLES = ("member-admin", "member-viewer")


@asynccontextmanager
async def _calling(what: str, fr: str) -> AsyncIterator[None]:
    """Turns python-keycloak's exceptions into the port's; `fr` names `what` in French, for
    the refusals a console user can meet (409, 404)."""
    try:
        yield
    except KeycloakConnectionError as exc:
        raise IdpUnavailable(f"{what}: the IdP cannot be reached") from exc
    except KeycloakError as exc:
        code = exc.response_code
        if code == 404:
            raise IdpNotFound(
                f"{what}: not found in the IdP",
                fr=f"{fr} est introuvable dans le fournisseur d'identité",
            ) from exc
        if code == 409:
            raise IdpConflict(
                f"{what}: already exists in the IdP",
                fr=f"{fr} existe déjà dans le fournisseur d'identité",
            ) from exc
        if code is None or code >= 500:
            raise IdpUnavailable(f"{what}: the IdP failed ({code})") from exc
        raise IdpError(f"{what}: the IdP answered {code}") from exc
    except (TypeError, KeyError, ValueError) as exc:
        # python-keycloak ≥ 7 checks answer types strictly: an odd answer is the IdP's fault.
        raise IdpError(f"{what}: unexpected answer from the IdP ({exc})") from exc


def _user(rep: dict[str, Any], roles: tuple[str, ...]) -> IdpUser:
    return IdpUser(
        id=rep["id"],
        username=rep.get("username", ""),
        email=rep.get("email"),
        first_name=rep.get("firstName"),
        last_name=rep.get("lastName"),
        enabled=bool(rep.get("enabled", True)),
        roles=roles,
    )


def audience_mapper(audience: str) -> dict[str, Any]:
    return {
        "name": "gip-api-audience",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-audience-mapper",
        "config": {
            "included.custom.audience": audience,
            "access.token.claim": "true",
            "id.token.claim": "false",
            "introspection.token.claim": "true",
        },
    }


def organization_mapper(organization: str) -> dict[str, Any]:
    # DESIGN.md §2: machine clients get their tenant from a hard-coded `organization` claim.
    return {
        "name": "organization",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-hardcoded-claim-mapper",
        "config": {
            "claim.name": "organization",
            "claim.value": organization,
            "jsonType.label": "String",
            "access.token.claim": "true",
            "id.token.claim": "false",
            "userinfo.token.claim": "false",
            "introspection.token.claim": "true",
        },
    }


class KeycloakIdentityProvider:
    def __init__(
        self,
        *,
        server_url: str,
        realm: str,
        client_id: str,
        client_secret: str,
        audience: str = "gip-api",
        timeout: float = 10.0,
    ) -> None:
        # A trailing slash, or urljoin drops a path prefix such as /auth (keycloak-subset.md).
        connection = KeycloakOpenIDConnection(
            server_url=server_url.rstrip("/") + "/",
            realm_name=realm,
            client_id=client_id,
            client_secret_key=client_secret,
            timeout=timeout,  # type: ignore[arg-type]
        )
        self._connection = connection
        self._admin = KeycloakAdmin(connection=connection)
        self._audience = audience

    async def aclose(self) -> None:
        await self._connection.aclose()
        await self._connection.keycloak_openid.connection.aclose()

    # --- organisations ---------------------------------------------------------------------

    async def _organization_by_alias(self, alias: str) -> dict[str, Any] | None:
        # Keycloak 26 searches organisations by name or domain, not alias: list and filter.
        orgs: list[dict[str, Any]] = await self._admin.a_get_organizations()
        return next((o for o in orgs if o.get("alias") == alias), None)

    async def ensure_organization(self, org: Organization, *, known_id: str | None) -> str:
        async with _calling(f"organisation {org.alias}", f"l'organisation {org.alias}"):
            rep: dict[str, Any] | None = None
            if known_id:
                try:
                    rep = await self._admin.a_get_organization(known_id)
                except KeycloakError as exc:
                    if exc.response_code != 404:
                        raise
                if rep is not None and rep.get("alias") != org.alias:
                    rep = None
            if rep is None:
                rep = await self._organization_by_alias(org.alias)
            if rep is None:
                payload: dict[str, Any] = {"name": org.name, "alias": org.alias, "enabled": True}
                if org.domains:
                    payload["domains"] = [{"name": d} for d in org.domains]
                created = await self._admin.a_create_organization(payload)
                if created:
                    log.info("created IdP organisation %s (%s)", org.alias, created)
                    return created
                # A 201 without Location: find what was created.
                rep = await self._organization_by_alias(org.alias)
                if rep is None:
                    raise IdpError(f"organisation {org.alias} was created but cannot be found")
            if rep.get("name") != org.name:
                await self._admin.a_update_organization(rep["id"], {**rep, "name": org.name})
            return str(rep["id"])

    # --- users -----------------------------------------------------------------------------

    async def _roles_of(self, user_id: str) -> tuple[str, ...]:
        roles = await self._admin.a_get_realm_roles_of_user(user_id)
        return tuple(sorted(r["name"] for r in roles if r.get("name") in USER_ROLES))

    async def list_organization_users(
        self, org_id: str, *, first: int, max_results: int
    ) -> list[IdpUser]:
        async with _calling("organisation members", "l'appartenance à l'organisation"):
            # With first/max, python-keycloak makes exactly one request (no paging loop).
            members = await self._admin.a_get_organization_members(
                org_id, {"first": first, "max": max_results}
            )
            return [_user(m, await self._roles_of(m["id"])) for m in members]

    async def invite_user(self, org_id: str, user: NewUser) -> tuple[IdpUser, bool]:
        async with _calling(f"user {user.username}", f"l'utilisateur {user.username}"):
            # Never adopt an existing account: that would hand another person's login to
            # this organisation. An existing username or e-mail is a conflict.
            user_id = await self._admin.a_create_user(
                {
                    "username": user.username,
                    "email": user.email,
                    "firstName": user.first_name,
                    "lastName": user.last_name,
                    "enabled": True,
                    "emailVerified": False,
                    "requiredActions": INVITE_ACTIONS,
                }
            )
            try:
                role = await self._admin.a_get_realm_role(user.role)
                await self._admin.a_assign_realm_roles(user_id, [role])
                await self._admin.a_organization_user_add(user_id, org_id)
            except BaseException:
                # Half an invitation (a user without its organisation) would block the retry
                # with a conflict: remove it, best effort.
                try:
                    await self._admin.a_delete_user(user_id)
                except KeycloakError:
                    log.warning("could not remove half-invited user %s", user_id)
                raise
            sent = True
            try:
                await self._admin.a_send_update_account(user_id, INVITE_ACTIONS)
            except KeycloakError as exc:
                # No SMTP configured is common outside production; the invitation stands.
                log.warning("invitation e-mail to %s not sent: %s", user.username, exc)
                sent = False
            rep = await self._admin.a_get_user(user_id)
            return _user(rep, (user.role,)), sent

    async def remove_user(self, org_id: str, user_id: str) -> None:
        async with _calling(f"user {user_id}", f"l'utilisateur {user_id}"):
            await self._admin.a_organization_user_remove(user_id, org_id)

    # --- machine clients -------------------------------------------------------------------

    def _client_payload(self, client: MachineClient) -> dict[str, Any]:
        return {
            "clientId": client.client_id,
            "name": client.name,
            "enabled": True,
            "protocol": "openid-connect",
            "publicClient": False,
            "serviceAccountsEnabled": True,
            "standardFlowEnabled": False,
            "implicitFlowEnabled": False,
            "directAccessGrantsEnabled": False,
            "clientAuthenticatorType": "client-secret",
            "attributes": {
                MANAGED_BY: MANAGED_BY_US,
                ORGANIZATION_ATTRIBUTE: client.organization,
            },
        }

    async def _adoptable(self, idp_id: str, client: MachineClient) -> None:
        rep = await self._admin.a_get_client(idp_id)
        attributes = rep.get("attributes") or {}
        if (
            attributes.get(MANAGED_BY) != MANAGED_BY_US
            or attributes.get(ORGANIZATION_ATTRIBUTE) != client.organization
        ):
            raise IdpConflict(
                f"client {client.client_id} exists in the IdP and is not ours",
                fr=f"le client {client.client_id} existe déjà dans le fournisseur d'identité, "
                "hors de gip-mesure ou pour un autre membre",
            )

    async def ensure_client(self, client: MachineClient) -> str:
        async with _calling(f"client {client.client_id}", f"le client {client.client_id}"):
            idp_id = await self._admin.a_get_client_id(client.client_id)
            if idp_id is None:
                idp_id = await self._admin.a_create_client(self._client_payload(client))
                log.info("created IdP client %s", client.client_id)
            else:
                await self._adoptable(idp_id, client)
            service_account = await self._admin.a_get_client_service_account_user(idp_id)
            role = await self._admin.a_get_realm_role(client.role)
            # Assigning a role the account already holds changes nothing.
            await self._admin.a_assign_realm_roles(service_account["id"], [role])
            present = {m.get("name") for m in await self._admin.a_get_mappers_from_client(idp_id)}
            for mapper in (
                audience_mapper(self._audience),
                organization_mapper(client.organization),
            ):
                if mapper["name"] not in present:
                    await self._admin.a_add_mapper_to_client(idp_id, mapper)
            return str(idp_id)

    async def new_client_secret(self, idp_id: str) -> str:
        async with _calling("client secret", "le secret du client"):
            answer = await self._admin.a_generate_client_secrets(idp_id)
            return str(answer["value"])

    async def set_client_enabled(self, idp_id: str, enabled: bool) -> None:
        async with _calling("client", "le client"):
            rep = await self._admin.a_get_client(idp_id)
            if rep.get("enabled") != enabled:
                await self._admin.a_update_client(idp_id, {**rep, "enabled": enabled})
