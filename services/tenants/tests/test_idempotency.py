"""Idempotency-Key on tenants' creations (DESIGN.md §4): a retry answers the first answer
again and creates nothing twice; another body with the key is 422; keys belong to their
caller; a concurrent request with the key is 409 (on SQLite and on PostgreSQL)."""

import asyncio
import json
import os
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from sqlalchemy import event, make_url, text

from gipkit.db import Database, make_sync_engine
from gipkit.idempotency import HEADER, REPLAYED_HEADER, RETENTION
from gipkit.testing.database import TEST_DATABASE_ENV, migrated_database_url
from gipkit.testing.tokens import TEST_ISSUER
from tenants.idp.memory import InMemoryIdentityProvider
from tenants.main import create
from tenants.settings import Settings

from .conftest import Api, uai
from .conftest import test_settings as tenants_settings

pytestmark = pytest.mark.anyio

M = "/api/v1/members"
C = "/api/v1/clients"
HDS = {"slug": "hds", "name": "Hauts-de-Seine", "kind": "departement"}


def key(value: str) -> dict[str, str]:
    return {HEADER: value}


async def count(session, table: str) -> int:
    return int((await session.execute(text(f"SELECT count(*) FROM {table}"))).one()[0])  # noqa: S608


# --- replays ---------------------------------------------------------------------------------


async def test_a_retried_creation_answers_the_same_and_creates_once(api, session, idp):
    first = await api.post(M, HDS, headers=key("member-hds"))
    assert first.status_code == 201, first.text
    assert REPLAYED_HEADER not in first.headers
    # The same request again (its fields in another order): the first answer, replayed.
    again = await api.post(M, dict(reversed(list(HDS.items()))), headers=key("member-hds"))
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers[REPLAYED_HEADER] == "true"
    assert again.headers["location"] == first.headers["location"] == f"{M}/hds"
    assert await count(session, "member") == 1 and len(idp.orgs) == 1
    # Without the key, the same request is a new creation, refused as a duplicate.
    assert (await api.post(M, HDS)).status_code == 409


async def test_another_body_with_the_key_is_422(api, session):
    await api.post(M, HDS, headers=key("k-1"))
    other = await api.post(M, {**HDS, "name": "Autre nom"}, headers=key("k-1"))
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    problem = other.json()
    assert problem["errors"] == [
        {"field": f"header.{HEADER}", "reason": "already used with another request"}
    ]
    # Another operation with the key is another request too.
    elsewhere = await api.post(
        "/api/v1/establishments",
        {
            "uai": "0750655E",
            "name": "Henri-IV",
            "type": "lycee",
            "commune": "Paris",
            "academie": "Paris",
        },
        headers=key("k-1"),
    )
    assert elsewhere.status_code == 422
    assert await count(session, "establishment") == 0
    assert (await api.get(f"{M}/hds")).json()["name"] == HDS["name"]


@pytest.mark.parametrize("value", ["x" * 256, "with space", "é"])
async def test_an_invalid_key_is_a_problem(api, session, value):
    response = await api.post(M, HDS, headers={HEADER: value.encode()})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == f"header.{HEADER}"
    assert await count(session, "member") == 0


async def test_the_longest_key_is_fine(api):
    assert (await api.post(M, HDS, headers=key("k" * 255))).status_code == 201
    assert (await api.post(M, HDS, headers=key("k" * 255))).headers[REPLAYED_HEADER] == "true"


async def test_keys_belong_to_their_caller(api, session):
    alice = api.tokens.headers(roles=["gip-admin"], subject="alice")
    bob = api.tokens.headers(roles=["gip-admin"], subject="bob")
    mine = await api.post(M, HDS, headers={**alice, **key("same")})
    assert mine.status_code == 201
    # Bob's "same" is not Alice's: his other body is no 422, and creates his member.
    theirs = await api.post(
        M, {**HDS, "slug": "idf", "name": "IDF", "kind": "region"}, headers={**bob, **key("same")}
    )
    assert theirs.status_code == 201 and REPLAYED_HEADER not in theirs.headers
    assert theirs.json()["slug"] == "idf"
    # Nor is Alice's answer replayed to Bob: his request runs (and hds exists: 409).
    assert (await api.post(M, HDS, headers={**bob, **key("other")})).status_code == 409
    again = await api.post(M, HDS, headers={**alice, **key("same")})
    assert again.headers[REPLAYED_HEADER] == "true"
    assert await count(session, "member") == 2


async def test_a_failed_creation_is_not_replayed(api, idp):
    await api.member("hds")
    idp.down = True
    failed = await api.post(C, {"member": "hds", "kind": "partner"}, headers=key("c"))
    assert failed.status_code == 503
    idp.down = False
    # The retry runs: errors are not stored, only what was done.
    made = await api.post(C, {"member": "hds", "kind": "partner"}, headers=key("c"))
    assert made.status_code == 201 and REPLAYED_HEADER not in made.headers
    assert made.json()["client_id"] == "hds-partner-1" and made.json()["client_secret"]
    assert len(idp.clients) == 1


async def test_keys_expire_after_a_day(api, session):
    await api.post(M, HDS, headers=key("daily"))
    await session.execute(
        text("UPDATE idempotency_record SET created_at = :t"),
        {"t": datetime.now(UTC) - RETENTION - timedelta(hours=1)},
    )
    await session.commit()
    # A day later the key is free again: another body creates, and the old record is gone.
    idf = {"slug": "idf", "name": "IDF", "kind": "region"}
    later = await api.post(M, idf, headers=key("daily"))
    assert later.status_code == 201 and REPLAYED_HEADER not in later.headers
    rows = (await session.execute(text("SELECT idempotency_key FROM idempotency_record"))).all()
    assert [r[0] for r in rows] == ["daily"]
    assert (await api.post(M, idf, headers=key("daily"))).headers[REPLAYED_HEADER] == "true"


# --- every creation takes the key ------------------------------------------------------------


async def test_every_creation_replays(api, session, idp):
    await api.member("hds")
    hds = ("member-admin", "hds")
    code = uai("0921234")
    creations = [
        (
            "/api/v1/establishments",
            {
                "uai": code,
                "name": "Collège",
                "type": "college",
                "commune": "Nanterre",
                "academie": "Versailles",
            },
            ("gip-admin", None),
        ),
        (f"/api/v1/establishments/{code}/networks", {"cidr": "192.0.2.0/24"}, ("gip-admin", None)),
        (
            "/api/v1/projects",
            {
                "slug": "ent-hds",
                "name": "ENT 92",
                "vendor": "Kosmos",
                "site_id": "920001",
                "responsible": "hds",
            },
            ("gip-admin", None),
        ),
        (
            "/api/v1/projects/ent-hds/memberships",
            {"uai": code, "valid_from": "2025-09-01"},
            ("gip-admin", None),
        ),
        (f"{M}/hds/users", {"email": "a@hds.fr", "role": "member-viewer"}, hds),
    ]
    for path, body, caller in creations:
        first = await api.post(path, body, headers=key(f"k-{path}"), as_=caller)
        assert first.status_code == 201, (path, first.text)
        again = await api.post(path, body, headers=key(f"k-{path}"), as_=caller)
        assert again.status_code == 201, (path, again.text)
        assert again.json() == first.json() and again.headers[REPLAYED_HEADER] == "true", path
    for table in ("establishment", "network", "project", "project_establishment"):
        assert await count(session, table) == 1, table
    assert len(idp.users) == 1


async def test_a_retried_import_answers_the_first_report(api, session):
    file = "uai,name,type,commune,academie\n0750655E,Henri-IV,lycee,Paris,Paris\n"

    async def send(content: str, idempotency_key: str | None = None):
        headers = {"Content-Type": "text/csv", **(key(idempotency_key) if idempotency_key else {})}
        return await api.post(
            "/api/v1/establishments/import", None, content=content.encode(), headers=headers
        )

    first = await send(file, "import-1")
    assert first.status_code == 200 and first.json()["created"] == 1
    again = await send(file, "import-1")
    assert again.json() == first.json() and again.headers[REPLAYED_HEADER] == "true"
    # Without the key, the same file again is a new import that changes nothing.
    assert (await send(file)).json()["unchanged"] == 1
    other = await send(file.replace("Henri-IV", "Henri IV"), "import-1")
    assert other.status_code == 422


async def test_the_document_declares_the_header_on_every_creation(app):
    paths = app.openapi()["paths"]
    creating = [
        ("/api/v1/members", "post"),
        ("/api/v1/members/{member}/users", "post"),
        ("/api/v1/establishments", "post"),
        ("/api/v1/establishments/import", "post"),
        ("/api/v1/establishments/{uai}/networks", "post"),
        ("/api/v1/projects", "post"),
        ("/api/v1/projects/{project}/memberships", "post"),
        ("/api/v1/clients", "post"),
    ]
    for path, method in creating:
        operation = paths[path][method]
        (header,) = [p for p in operation["parameters"] if p["name"] == HEADER]
        assert header["in"] == "header" and header["required"] is False, path
        assert header["schema"]["maxLength"] == 255, path
        assert {"409", "422"} <= set(operation["responses"]), path
        success = "200" if path.endswith("/import") else "201"
        assert REPLAYED_HEADER in operation["responses"][success]["headers"], path
    # A replayed creation of a client says why it has no secret.
    assert "secret_already_shown" in paths["/api/v1/clients"]["post"]["description"]
    created = app.openapi()["components"]["schemas"]["ClientCreated"]
    assert {"type": "null"} in created["properties"]["client_secret"]["anyOf"]
    assert created["properties"]["secret_already_shown"]["type"] == "boolean"


# --- machine clients: the IdP is asked once, the secret is never stored ----------------------

KC = "http://kc.test"
ADMIN = f"{KC}/admin/realms/gip"
SECRET = "s3cret-shown-once"


@pytest.fixture
async def kc_client(database, tokens):
    """tenants with the real Keycloak adapter, whose admin API respx answers."""
    app = create(Settings(env="test", oidc_issuer=TEST_ISSUER, idp_url=KC))
    app.state.db = database
    app.state.verifier = tokens.verifier()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture
def keycloak():
    with respx.mock(assert_all_mocked=True) as mock:
        mock.post(f"{KC}/realms/gip/protocol/openid-connect/token").respond(
            200, json={"access_token": "admin-token", "expires_in": 300, "token_type": "Bearer"}
        )
        mock.get(f"{ADMIN}/organizations").respond(200, json=[])
        mock.post(f"{ADMIN}/organizations").respond(
            201, headers={"Location": f"{ADMIN}/organizations/org-1"}
        )
        mock.get(f"{ADMIN}/clients").respond(200, json=[])
        mock.post(f"{ADMIN}/clients", name="create_client").respond(
            201, headers={"Location": f"{ADMIN}/clients/c-1"}
        )
        mock.get(f"{ADMIN}/clients/c-1/service-account-user").respond(
            200, json={"id": "sa-1", "username": "service-account-hds-partner-1"}
        )
        mock.get(f"{ADMIN}/roles/partner").respond(200, json={"id": "r-p", "name": "partner"})
        mock.post(f"{ADMIN}/users/sa-1/role-mappings/realm").respond(204)
        mock.get(f"{ADMIN}/clients/c-1/protocol-mappers/models").respond(200, json=[])
        mock.post(f"{ADMIN}/clients/c-1/protocol-mappers/models").respond(201)
        mock.post(f"{ADMIN}/clients/c-1/client-secret", name="new_secret").respond(
            200, json={"type": "secret", "value": SECRET}
        )
        yield mock


async def test_a_retried_client_creation_makes_one_idp_client(kc_client, keycloak, session, tokens):
    admin = tokens.headers(roles=["gip-admin"])
    assert (await kc_client.post(M, json=HDS, headers=admin)).status_code == 201
    body = {"member": "hds", "kind": "partner"}
    first = await kc_client.post(C, json=body, headers={**admin, **key("client-1")})
    assert first.status_code == 201, first.text
    assert first.json()["client_secret"] == SECRET
    assert first.json()["secret_already_shown"] is False

    again = await kc_client.post(C, json=body, headers={**admin, **key("client-1")})
    assert again.status_code == 201, again.text
    assert again.headers[REPLAYED_HEADER] == "true"
    assert again.headers["cache-control"] == "no-store"
    assert again.headers["location"] == f"{C}/hds-partner-1"
    replayed = again.json()
    # The same client, without the secret: tenants never keeps it.
    assert replayed["client_secret"] is None and replayed["secret_already_shown"] is True
    secretless = ("client_secret", "secret_already_shown")
    assert {k: v for k, v in replayed.items() if k not in secretless} == {
        k: v for k, v in first.json().items() if k not in secretless
    }
    # The IdP was asked to create one client and make one secret.
    assert keycloak["create_client"].call_count == 1
    assert keycloak["new_secret"].call_count == 1
    assert await count(session, "client") == 1
    stored = (await session.execute(text("SELECT * FROM idempotency_record"))).all()
    assert stored and SECRET not in json.dumps([[str(v) for v in row] for row in stored])


# --- concurrency, on a database of this test's own (SQLite or PostgreSQL) --------------------


class GatedIdp(InMemoryIdentityProvider):
    """Holds the first client creation until released."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.ensured = 0

    async def ensure_client(self, client):
        self.ensured += 1
        self.entered.set()
        await self.release.wait()
        return await super().ensure_client(client)


@pytest.fixture
def own_url(migrations_dir, tmp_path, worker_id):
    url = migrated_database_url(
        name=f"tenants_idempotency_{worker_id}", migrations_dir=migrations_dir, tmp_dir=tmp_path
    )
    yield url
    if url.get_backend_name() == "postgresql":
        admin = make_sync_engine(
            make_url(os.environ[TEST_DATABASE_ENV]), isolation_level="AUTOCOMMIT"
        )
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        finally:
            admin.dispose()


async def test_concurrent_same_key_one_201_one_409(own_url, tokens):
    idp = GatedIdp()
    app = create(tenants_settings())
    app.state.db = Database.from_url(own_url)
    app.state.verifier = tokens.verifier()
    app.state.idp = idp
    second_claims = asyncio.Event()
    claims: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO IDEMPOTENCY_RECORD"):
            claims.append(statement)
            if len(claims) == 2:
                second_claims.set()

    event.listen(app.state.db.engine.sync_engine, "before_cursor_execute", on_execute)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                api = Api(client, tokens)
                await api.member("hds")
                body = {"member": "hds", "kind": "partner"}
                as_hds = ("member-admin", "hds")
                first = asyncio.create_task(api.post(C, body, headers=key("c-1"), as_=as_hds))
                # The first holds the key while the IdP makes the client …
                await asyncio.wait_for(idp.entered.wait(), 30)
                second = asyncio.create_task(api.post(C, body, headers=key("c-1"), as_=as_hds))
                # … when the second, which found no answer (uncommitted), claims the key.
                await asyncio.wait_for(second_claims.wait(), 30)
                idp.release.set()
                answers = await asyncio.gather(first, second)
                assert sorted(a.status_code for a in answers) == [201, 409], [
                    a.text for a in answers
                ]
                conflict = next(a for a in answers if a.status_code == 409)
                assert conflict.headers["content-type"] == "application/problem+json"
                assert "Idempotency-Key" in conflict.json()["detail"]
                # One client, made once in the IdP; the retry gets the first's answer.
                assert idp.ensured == 1 and len(idp.clients) == 1
                retry = await api.post(C, body, headers=key("c-1"), as_=as_hds)
                assert retry.status_code == 201 and retry.headers[REPLAYED_HEADER] == "true"
                assert retry.json()["client_id"] == "hds-partner-1"
                assert retry.json()["client_secret"] is None
                listed = (await api.get(C)).json()["items"]
                assert [c["client_id"] for c in listed] == ["hds-partner-1"]
    finally:
        await app.state.db.dispose()
