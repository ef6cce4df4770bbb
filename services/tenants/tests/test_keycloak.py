"""The Keycloak adapter against respx: exactly the requests python-keycloak 7.1.1 sends
(shared/reference/keycloak-subset.md), and Keycloak's answers, including failures."""

import json

import httpx
import pytest
import respx

from gipkit.errors import GipError
from tenants.idp.deps import http_error
from tenants.idp.keycloak import MANAGED_BY, ORGANIZATION_ATTRIBUTE, KeycloakIdentityProvider
from tenants.idp.port import (
    IdpConflict,
    IdpError,
    IdpUnavailable,
    MachineClient,
    NewUser,
    Organization,
)

pytestmark = pytest.mark.anyio

KC = "http://kc.test"
ADMIN = f"{KC}/admin/realms/gip"
TOKEN = {"access_token": "admin-token", "expires_in": 300, "token_type": "Bearer"}


@pytest.fixture
async def kc():
    provider = KeycloakIdentityProvider(
        server_url=KC, realm="gip", client_id="gip-ops", client_secret="gip-ops-secret", timeout=2
    )
    yield provider
    await provider.aclose()


@pytest.fixture
def mock():
    with respx.mock(assert_all_mocked=True, assert_all_called=True) as router:
        router.post(f"{KC}/realms/gip/protocol/openid-connect/token").respond(200, json=TOKEN)
        yield router


def created(path: str) -> httpx.Response:
    return httpx.Response(201, headers={"Location": f"{ADMIN}/{path}"})


def _authorised(request: httpx.Request) -> None:
    assert request.headers["Authorization"] == "Bearer admin-token"
    assert request.headers["Content-Type"] == "application/json"


async def test_first_call_gets_a_client_credentials_token(kc, mock):
    mock.get(f"{ADMIN}/organizations").respond(200, json=[])
    mock.post(f"{ADMIN}/organizations").mock(return_value=created("organizations/org-1"))
    await kc.ensure_organization(Organization("hds", "Hauts-de-Seine"), known_id=None)
    token_call = mock.calls[0].request
    form = dict(x.split("=", 1) for x in token_call.content.decode().split("&"))
    assert form["grant_type"] == "client_credentials"
    assert form["client_id"] == "gip-ops" and form["client_secret"] == "gip-ops-secret"


async def test_organisation_is_created_with_alias_slug(kc, mock):
    listing = mock.get(f"{ADMIN}/organizations").respond(200, json=[])
    create = mock.post(f"{ADMIN}/organizations").mock(return_value=created("organizations/org-1"))
    org_id = await kc.ensure_organization(
        Organization("hds", "Hauts-de-Seine", ("hauts-de-seine.fr",)), known_id=None
    )
    assert org_id == "org-1"
    # Without first/max, python-keycloak pages itself (max=100&first=0).
    assert listing.calls[0].request.url.params["max"] == "100"
    body = json.loads(create.calls[0].request.content)
    assert body == {
        "name": "Hauts-de-Seine",
        "alias": "hds",
        "enabled": True,
        "domains": [{"name": "hauts-de-seine.fr"}],
    }
    _authorised(create.calls[0].request)


async def test_existing_organisation_is_adopted_and_renamed(kc, mock):
    rep = {"id": "org-9", "name": "Old name", "alias": "hds", "enabled": True, "domains": []}
    mock.get(f"{ADMIN}/organizations").respond(200, json=[{**rep, "alias": "other"}, rep])
    update = mock.put(f"{ADMIN}/organizations/org-9").respond(204)
    assert await kc.ensure_organization(Organization("hds", "New name"), known_id=None) == "org-9"
    assert json.loads(update.calls[0].request.content)["name"] == "New name"


async def test_known_id_is_checked_first(kc, mock):
    rep = {"id": "org-9", "name": "Hauts-de-Seine", "alias": "hds", "enabled": True}
    mock.get(f"{ADMIN}/organizations/org-9").respond(200, json=rep)
    assert (
        await kc.ensure_organization(Organization("hds", "Hauts-de-Seine"), known_id="org-9")
        == "org-9"
    )


async def test_vanished_known_id_falls_back_to_the_alias(kc, mock):
    mock.get(f"{ADMIN}/organizations/gone").respond(404, json={"error": "Organization not found"})
    mock.get(f"{ADMIN}/organizations").respond(200, json=[])
    mock.post(f"{ADMIN}/organizations").mock(return_value=created("organizations/org-2"))
    assert await kc.ensure_organization(Organization("hds", "H"), known_id="gone") == "org-2"


async def test_created_without_location_is_found_by_alias(kc, mock):
    rep = {"id": "org-3", "name": "H", "alias": "hds", "enabled": True}
    mock.get(f"{ADMIN}/organizations").mock(
        side_effect=[httpx.Response(200, json=[]), httpx.Response(200, json=[rep])]
    )
    mock.post(f"{ADMIN}/organizations").respond(201)
    assert await kc.ensure_organization(Organization("hds", "H"), known_id=None) == "org-3"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.ConnectError("refused"), IdpUnavailable),
        (httpx.ReadTimeout("slow"), IdpUnavailable),
        (httpx.Response(503, text="maintenance"), IdpUnavailable),
        (httpx.Response(409, json={"errorMessage": "same name"}), IdpConflict),
        (httpx.Response(403, json={"error": "forbidden"}), IdpError),
    ],
)
async def test_failures_become_port_errors(kc, mock, answer, error):
    mock.get(f"{ADMIN}/organizations").respond(200, json=[])
    route = mock.post(f"{ADMIN}/organizations")
    if isinstance(answer, Exception):
        route.mock(side_effect=answer)
    else:
        route.mock(return_value=answer)
    with pytest.raises(error):
        await kc.ensure_organization(Organization("hds", "H"), known_id=None)


async def test_unreachable_token_endpoint_is_unavailable(kc):
    with respx.mock(assert_all_mocked=True) as router:
        router.post(f"{KC}/realms/gip/protocol/openid-connect/token").mock(
            side_effect=httpx.ConnectError("refused")
        )
        with pytest.raises(IdpUnavailable):
            await kc.ensure_organization(Organization("hds", "H"), known_id=None)


async def test_wrong_admin_credentials_are_an_error_not_an_outage(kc):
    with respx.mock(assert_all_mocked=True) as router:
        router.post(f"{KC}/realms/gip/protocol/openid-connect/token").respond(
            401, json={"error": "unauthorized_client"}
        )
        with pytest.raises(IdpError) as raised:
            await kc.ensure_organization(Organization("hds", "H"), known_id=None)
        assert not isinstance(raised.value, IdpUnavailable)


async def test_invite_user(kc, mock):
    create = mock.post(f"{ADMIN}/users").mock(return_value=created("users/u-1"))
    role = {"id": "r-1", "name": "member-viewer", "composite": False, "clientRole": False}
    mock.get(f"{ADMIN}/roles/member-viewer").respond(200, json=role)
    assign = mock.post(f"{ADMIN}/users/u-1/role-mappings/realm").respond(204)
    add = mock.post(f"{ADMIN}/organizations/org-1/members").respond(201)
    email = mock.put(f"{ADMIN}/users/u-1/execute-actions-email").respond(204)
    mock.get(f"{ADMIN}/users/u-1").respond(
        200, json={"id": "u-1", "username": "j@hds.fr", "email": "j@hds.fr", "enabled": True}
    )
    user, sent = await kc.invite_user(
        "org-1", NewUser("j@hds.fr", "j@hds.fr", "Jeanne", None, "member-viewer")
    )
    assert user.id == "u-1" and user.roles == ("member-viewer",) and sent
    body = json.loads(create.calls[0].request.content)
    assert body["username"] == "j@hds.fr" and body["enabled"] is True
    assert json.loads(assign.calls[0].request.content) == [role]
    # The member's id goes raw (unquoted) in the body, as python-keycloak sends it.
    assert add.calls[0].request.content == b"u-1"
    assert json.loads(email.calls[0].request.content) == ["UPDATE_PASSWORD", "VERIFY_EMAIL"]


async def test_half_invitation_is_undone(kc, mock):
    mock.post(f"{ADMIN}/users").mock(return_value=created("users/u-1"))
    mock.get(f"{ADMIN}/roles/member-admin").respond(200, json={"id": "r", "name": "member-admin"})
    mock.post(f"{ADMIN}/users/u-1/role-mappings/realm").respond(204)
    mock.post(f"{ADMIN}/organizations/org-1/members").respond(409, json={"errorMessage": "x"})
    delete = mock.delete(f"{ADMIN}/users/u-1").respond(204)
    with pytest.raises(IdpConflict):
        await kc.invite_user("org-1", NewUser("a@hds.fr", "a@hds.fr", None, None, "member-admin"))
    assert delete.called


async def test_invite_stands_when_no_mail_can_be_sent(kc, mock):
    mock.post(f"{ADMIN}/users").mock(return_value=created("users/u-1"))
    mock.get(f"{ADMIN}/roles/member-admin").respond(200, json={"id": "r", "name": "member-admin"})
    mock.post(f"{ADMIN}/users/u-1/role-mappings/realm").respond(204)
    mock.post(f"{ADMIN}/organizations/org-1/members").respond(201)
    mock.put(f"{ADMIN}/users/u-1/execute-actions-email").respond(
        500, json={"errorMessage": "Failed to send execute actions email"}
    )
    mock.get(f"{ADMIN}/users/u-1").respond(200, json={"id": "u-1", "username": "a@hds.fr"})
    _, sent = await kc.invite_user(
        "org-1", NewUser("a@hds.fr", "a@hds.fr", None, None, "member-admin")
    )
    assert sent is False


async def test_existing_username_is_a_conflict(kc, mock):
    mock.post(f"{ADMIN}/users").respond(
        409, json={"errorMessage": "User exists with same username"}
    )
    with pytest.raises(IdpConflict) as refused:
        await kc.invite_user("org-1", NewUser("a", "a@hds.fr", None, None, "member-admin"))
    # Relayed to a console user in French (tenants.idp.deps.http_error).
    assert refused.value.fr == "l'utilisateur a existe déjà dans le fournisseur d'identité"
    conflict = http_error(refused.value)
    assert isinstance(conflict, GipError) and conflict.status == 409
    assert conflict.problem(french=True).detail == refused.value.fr
    assert conflict.problem().detail == "user a: already exists in the IdP"


async def test_list_and_remove_organisation_users(kc, mock):
    members = mock.get(f"{ADMIN}/organizations/org-1/members").respond(
        200,
        json=[{"id": "u-1", "username": "a", "enabled": True, "membershipType": "UNMANAGED"}],
    )
    mock.get(f"{ADMIN}/users/u-1/role-mappings/realm").respond(
        200, json=[{"name": "default-roles-gip"}, {"name": "member-admin"}]
    )
    remove = mock.delete(f"{ADMIN}/organizations/org-1/members/u-1").respond(204)
    users = await kc.list_organization_users("org-1", first=10, max_results=3)
    assert [(u.id, u.roles) for u in users] == [("u-1", ("member-admin",))]
    params = members.calls[0].request.url.params
    assert (params["first"], params["max"]) == ("10", "3")
    await kc.remove_user("org-1", "u-1")
    assert remove.called


CLIENT = MachineClient(client_id="hds-partner-1", name="P", role="partner", organization="hds")


def _client_routes(mock, existing_mappers=()):
    mock.get(f"{ADMIN}/clients/c-1/service-account-user").respond(
        200, json={"id": "sa-1", "username": "service-account-hds-partner-1"}
    )
    mock.get(f"{ADMIN}/roles/partner").respond(200, json={"id": "r-p", "name": "partner"})
    assign = mock.post(f"{ADMIN}/users/sa-1/role-mappings/realm").respond(204)
    mock.get(f"{ADMIN}/clients/c-1/protocol-mappers/models").respond(
        200, json=[{"name": n} for n in existing_mappers]
    )
    return assign


async def test_new_machine_client(kc, mock):
    lookup = mock.get(f"{ADMIN}/clients").respond(200, json=[])
    create = mock.post(f"{ADMIN}/clients").mock(return_value=created("clients/c-1"))
    assign = _client_routes(mock)
    mappers = mock.post(f"{ADMIN}/clients/c-1/protocol-mappers/models").respond(201)
    assert await kc.ensure_client(CLIENT) == "c-1"
    assert lookup.calls[0].request.url.params["clientId"] == "hds-partner-1"
    body = json.loads(create.calls[0].request.content)
    assert body["clientId"] == "hds-partner-1"
    assert body["publicClient"] is False and body["serviceAccountsEnabled"] is True
    assert body["standardFlowEnabled"] is False
    assert body["attributes"] == {MANAGED_BY: "tenants", ORGANIZATION_ATTRIBUTE: "hds"}
    assert json.loads(assign.calls[0].request.content) == [{"id": "r-p", "name": "partner"}]
    added = [json.loads(c.request.content) for c in mappers.calls]
    assert [m["protocolMapper"] for m in added] == [
        "oidc-audience-mapper",
        "oidc-hardcoded-claim-mapper",
    ]
    assert added[1]["config"]["claim.name"] == "organization"
    assert added[1]["config"]["claim.value"] == "hds"
    assert added[0]["config"]["included.custom.audience"] == "gip-api"


async def test_our_existing_client_is_adopted_without_duplicates(kc, mock):
    mock.get(f"{ADMIN}/clients").respond(200, json=[{"id": "c-1", "clientId": "hds-partner-1"}])
    mock.get(f"{ADMIN}/clients/c-1").respond(
        200,
        json={"id": "c-1", "attributes": {MANAGED_BY: "tenants", ORGANIZATION_ATTRIBUTE: "hds"}},
    )
    _client_routes(mock, existing_mappers=("gip-api-audience", "organization"))
    assert await kc.ensure_client(CLIENT) == "c-1"
    # respx would refuse any POST /clients or mapper POST: none was mocked.


async def test_someone_elses_client_is_never_adopted(kc, mock):
    mock.get(f"{ADMIN}/clients").respond(200, json=[{"id": "c-1", "clientId": "hds-partner-1"}])
    mock.get(f"{ADMIN}/clients/c-1").respond(200, json={"id": "c-1", "attributes": {}})
    with pytest.raises(IdpConflict) as refused:
        await kc.ensure_client(CLIENT)
    assert refused.value.fr is not None and "pour un autre membre" in refused.value.fr


async def test_secret_rotation_and_disable(kc, mock):
    mock.post(f"{ADMIN}/clients/c-1/client-secret").respond(
        200, json={"type": "secret", "value": "s3cret"}
    )
    rep = {"id": "c-1", "clientId": "hds-partner-1", "enabled": True}
    mock.get(f"{ADMIN}/clients/c-1").respond(200, json=rep)
    update = mock.put(f"{ADMIN}/clients/c-1").respond(204)
    assert await kc.new_client_secret("c-1") == "s3cret"
    await kc.set_client_enabled("c-1", False)
    assert json.loads(update.calls[0].request.content) == {**rep, "enabled": False}


# --- the service with the real adapter: an outage, then reconciliation ---------------------


@pytest.fixture
async def kc_api(database, tokens):
    from gipkit.testing.tokens import TEST_ISSUER
    from tenants.main import create
    from tenants.settings import Settings

    app = create(Settings(env="test", oidc_issuer=TEST_ISSUER, idp_url=KC))
    app.state.db = database
    app.state.verifier = tokens.verifier()
    headers = tokens.headers(roles=["gip-admin"])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=headers
        ) as client:
            yield client


async def test_outage_then_reconcile_creates_the_organisation_once(kc_api):
    body = {"slug": "hds", "name": "Hauts-de-Seine", "kind": "departement"}
    with respx.mock(assert_all_mocked=True) as router:
        router.post(f"{KC}/realms/gip/protocol/openid-connect/token").mock(
            side_effect=httpx.ConnectError("refused")
        )
        created_member = await kc_api.post("/api/v1/members", json=body)
    assert created_member.status_code == 201
    assert created_member.json()["idp_status"] == "pending"

    orgs: list[dict] = []

    def create_org(request: httpx.Request) -> httpx.Response:
        orgs.append({**json.loads(request.content), "id": f"org-{len(orgs) + 1}"})
        return created(f"organizations/org-{len(orgs)}")

    with respx.mock(assert_all_mocked=True) as router:
        router.post(f"{KC}/realms/gip/protocol/openid-connect/token").respond(200, json=TOKEN)
        router.get(f"{ADMIN}/organizations").mock(
            side_effect=lambda request: httpx.Response(200, json=orgs)
        )
        router.get(url__regex=rf"{ADMIN}/organizations/org-\d+").mock(
            side_effect=lambda request: httpx.Response(
                200, json=next(o for o in orgs if request.url.path.endswith(o["id"]))
            )
        )
        router.post(f"{ADMIN}/organizations").mock(side_effect=create_org)
        rename = router.put(f"{ADMIN}/organizations/org-1").respond(204)
        first = (await kc_api.post("/api/v1/idp/reconcile")).json()
        second = (await kc_api.post("/api/v1/idp/reconcile")).json()
        # Renaming the member renames its organisation, found by the id kept.
        renamed = await kc_api.patch("/api/v1/members/hds", json={"name": "CD92"})

    assert first == {"checked": 1, "provisioned": ["hds"], "pending": {}}
    assert second == {"checked": 0, "provisioned": [], "pending": {}}
    assert renamed.json()["idp_org_id"] == "org-1"
    assert json.loads(rename.calls[0].request.content)["name"] == "CD92"
    assert [o["alias"] for o in orgs] == ["hds"]
