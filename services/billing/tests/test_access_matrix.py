"""Every route × every role × own/other tenant, against the expected status (DESIGN.md §2).

One table, one parametrised test: a route added to the app without a row here fails
`test_every_api_route_is_in_the_matrix`, so authorisation is decided for every route.

A cell is the status for the caller's own member's object, or `own/other` when they differ.
Callers holding `member-admin`, `member-viewer`, `partner` or `ent-ingest` act for `OWN`;
`gip-admin` and `service` act for no member. "other" objects belong to `OTHER`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import make_url, text

from billing.main import create
from gipkit.db import Database, make_sync_engine
from gipkit.testing.database import TEST_DATABASE_ENV, migrated_database_url, rollback_database

from .conftest import Api, FakePeers, billing_settings

pytestmark = pytest.mark.anyio

ROLES = ("gip-admin", "service", "member-admin", "member-viewer", "partner", "ent-ingest")
TENANT_ROLES = frozenset(ROLES[2:])
OWN, OTHER = "hauts-de-seine", "ile-de-france"


@dataclass
class World:
    """What exists before each call: two members with the same kinds of objects."""

    ids: dict[str, dict[str, Any]] = field(default_factory=dict)

    def values(self, scope: str) -> dict[str, Any]:
        return self.ids[scope]


Body = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    cells: str  # one cell per role of ROLES, separated by spaces
    body: Body | None = None
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def scoped(self) -> bool:
        """Does the answer depend on whose object it is? (Else "other" repeats "own".)"""
        ids = ("{member}", "{subscription}", "{invoice}", "{credit_note}")
        uses_ids = self.body is not None and getattr(self.body, "__name__", "") == "<lambda>"
        return "/" in self.cells or uses_ids or any(i in self.path + self.query for i in ids)

    def expected(self, role: str, scope: str) -> int:
        cell = self.cells.split()[ROLES.index(role)]
        own, _, other = cell.partition("/")
        return int(other if scope == "other" and other else own)


def json(value: Any) -> Body:
    def constant(_ids: dict[str, Any]) -> Any:
        return value

    return constant


YEARS = "/api/v1/budget-years"
RUNS = "/api/v1/allocations"
INVOICE = "/api/v1/invoices/{invoice}"

MATRIX: list[Row] = [
    # --- catalogue --------------------------------------------------------------------------
    Row("GET", YEARS, "200 200 200 200 403 403"),
    Row("POST", YEARS, "201 403 403 403 403 403", json({"year": 2030})),
    Row("GET", YEARS + "/{year}", "200 200 200 200 403 403"),
    Row("GET", YEARS + "/{year}/prestations", "200 200 200 200 403 403"),
    Row(
        "POST",
        YEARS + "/{year}/prestations",
        "201 403 403 403 403 403",
        json(
            {
                "code": "opendata",
                "label": "Export open data",
                "kind": "option",
                "cost_cents": 100_000,
                "key": "equal",
            }
        ),
    ),
    Row("GET", YEARS + "/{year}/prestations/{code}", "200 200 200 200 403 403"),
    Row(
        "PATCH",
        YEARS + "/{year}/prestations/{code}",
        "200 403 403 403 403 403",
        json({"label": "Notes de synthèse trimestrielles"}),
    ),
    Row("GET", YEARS + "/{year}/in-kind", "200 200 200 200 403 403"),
    Row(
        "PUT",
        YEARS + "/{year}/in-kind/{member}",
        "200 403 403 403 403 403",
        json({"amount_cents": 1000, "description": "Prêt de salle"}),
    ),
    # --- subscriptions and entitlements --------------------------------------------------------
    Row("GET", "/api/v1/subscriptions", "200 200 200 200 403 403"),
    Row(
        "POST",
        "/api/v1/subscriptions",
        "201 403 201/403 403 403 403",
        lambda ids: {"member": ids["member"], "prestation": "api", "year": 2026},
    ),
    Row("GET", "/api/v1/subscriptions/{subscription}", "200 200 200/404 200/404 403 403"),
    Row(
        "POST",
        "/api/v1/subscriptions/{subscription}/cancel",
        "200 403 200/404 403 403 403",
        json({"last_day": "2026-06-30"}),
    ),
    Row(
        "GET",
        "/api/v1/entitlements",
        "200 200 403 403 403 403",
        query="?member={member}&prestation=notes&on=2026-03-01",
    ),
    # --- allocation runs ------------------------------------------------------------------------
    Row("GET", RUNS, "200 200 200 200 403 403"),
    Row("POST", RUNS, "202 403 403 403 403 403", json({"year": 2026})),
    Row("GET", RUNS + "/{run}", "200 200 200 200 403 403"),
    Row("PATCH", RUNS + "/{draft}", "200 403 403 403 403 403", json({"note": "revu"})),
    Row("DELETE", RUNS + "/{draft}", "204 403 403 403 403 403"),
    Row("POST", RUNS + "/{draft}/recompute", "202 403 403 403 403 403"),
    Row("GET", RUNS + "/{run}/lines", "200 200 200 200 403 403"),
    Row("GET", RUNS + "/{run}/members", "200 200 200 200 403 403"),
    Row(
        "POST",
        RUNS + "/{run}/simulate",
        "200 403 200/403 403 403 403",
        lambda ids: {"subscribe": [{"member": ids["member"], "prestation": "api"}]},
    ),
    Row("GET", RUNS + "/{run}/thresholds", "200 200 200 200 403 403"),
    Row("POST", RUNS + "/{draft}/approve", "200 403 403 403 403 403"),
    Row("GET", RUNS + "/{run}/voting-weights", "200 403 403 403 403 403"),
    Row("GET", RUNS + "/{run}/export.csv", "200 403 403 403 403 403"),
    Row("POST", RUNS + "/{run}/issue", "200 403 403 403 403 403"),
    # --- invoices, credit notes, payments -------------------------------------------------------
    Row(
        "POST",
        "/api/v1/invoices",
        "201 403 403 403 403 403",
        lambda ids: {"run_id": ids["run"], "member": "cdc"},
    ),
    Row("GET", "/api/v1/invoices", "200 403 200 200 403 403"),
    Row("GET", INVOICE, "200 403 200/404 200/404 403 403"),
    Row("PATCH", INVOICE, "409 403 403 403 403 403", json({"buyer_name": "Autre"})),
    Row("DELETE", INVOICE, "409 403 403 403 403 403"),
    Row("GET", INVOICE + "/pdf", "200 403 200/404 200/404 403 403"),
    Row("GET", INVOICE + "/factur-x.xml", "200 403 200/404 200/404 403 403"),
    Row(
        "POST",
        INVOICE + "/credit-notes",
        "201 403 403 403 403 403",
        json({"reason": "Erreur", "lines": [{"prestation": "base", "amount_cents": 100}]}),
    ),
    Row("GET", "/api/v1/credit-notes", "200 403 200 200 403 403"),
    Row("GET", "/api/v1/credit-notes/{credit_note}", "200 403 200/404 200/404 403 403"),
    Row("GET", "/api/v1/credit-notes/{credit_note}/pdf", "200 403 200/404 200/404 403 403"),
    Row(
        "POST",
        INVOICE + "/payments",
        "201 403 403 403 403 403",
        json({"amount_cents": 100, "received_on": "2026-03-01"}),
    ),
    Row("GET", INVOICE + "/payments", "200 403 200/404 200/404 403 403"),
    Row("GET", "/api/v1/balances", "200 403 200 200 403 403"),
    Row("GET", "/api/v1/ledger.csv", "200 403 403 403 403 403"),
    # --- usage ----------------------------------------------------------------------------------
    Row(
        "POST",
        "/api/v1/usage",
        "403 201 403 403 403 403",
        lambda ids: {
            "member": ids["member"],
            "prestation": "pull",
            "occurred_at": "2026-05-04T10:00:00+02:00",
        },
        headers={"Idempotency-Key": "matrix-1"},
    ),
]

# Well-formed identifiers of nothing in particular, for calls that never get past the token.
ANY_IDS = {
    "year": 2026,
    "code": "notes",
    "member": OWN,
    "subscription": 1,
    "run": 1,
    "draft": 2,
    "invoice": "GIP-2026-000001",
    "credit_note": "GIP-AV-2026-000001",
}


async def build_world(api) -> World:
    for year in (2026, 2027):
        await api.catalogue(year)
    await api.prestation(
        code="pull",
        label="Appels API",
        kind="option",
        cost_cents=0,
        key="usage",
        unit_price_cents=100,
    )
    world = World()
    subs = {}
    for member in (OWN, OTHER):
        subs[member] = (await api.subscribe(member, "notes"))["id"]
        await api.ok(
            "PUT", f"{YEARS}/2026/in-kind/{member}", {"amount_cents": 500, "description": "Salle"}
        )
    run = await api.approved_run(2026)
    invoices = {}
    notes = {}
    for member in (OWN, OTHER):
        invoice = await api.ok(
            "POST", "/api/v1/invoices", {"run_id": run["id"], "member": member}, 201
        )
        invoices[member] = invoice["number"]
        note = await api.ok(
            "POST",
            f"/api/v1/invoices/{invoice['number']}/credit-notes",
            {"reason": "Correction", "lines": [{"prestation": "base", "amount_cents": 100}]},
            201,
        )
        notes[member] = note["number"]
    draft = await api.run(2027)
    for scope, member in (("own", OWN), ("other", OTHER)):
        world.ids[scope] = {
            "year": 2026,
            "code": "notes",
            "member": member,
            "subscription": subs[member],
            "run": run["id"],
            "draft": draft["id"],
            "invoice": invoices[member],
            "credit_note": notes[member],
        }
    return world


# The world is built once per module on a database of its own (committed); each case then runs
# inside a transaction rolled back at its end, so every case starts from the same world.


@pytest.fixture(scope="module")
def matrix_url(migrations_dir, tmp_path_factory, worker_id):
    url = migrated_database_url(
        name=f"billing_matrix_{worker_id}",
        migrations_dir=migrations_dir,
        tmp_dir=tmp_path_factory.mktemp("matrix"),
    )
    yield url
    if os.environ.get(TEST_DATABASE_ENV):
        admin = make_sync_engine(
            make_url(os.environ[TEST_DATABASE_ENV]), isolation_level="AUTOCOMMIT"
        )
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        finally:
            admin.dispose()


@pytest.fixture(scope="module")
def matrix_peers() -> FakePeers:
    return FakePeers()


@pytest.fixture(autouse=True)
def _peers(monkeypatch, matrix_peers):
    from billing import peers

    monkeypatch.setattr(peers, "members", matrix_peers.fetch_members)
    monkeypatch.setattr(peers, "pupils", matrix_peers.fetch_pupils)
    monkeypatch.setattr(peers, "visits", matrix_peers.fetch_visits)


@pytest.fixture(scope="module")
async def world(matrix_url, tokens, matrix_peers) -> World:
    from billing import peers

    saved = (peers.members, peers.pupils, peers.visits)
    peers.members, peers.pupils, peers.visits = (
        matrix_peers.fetch_members,
        matrix_peers.fetch_pupils,
        matrix_peers.fetch_visits,
    )
    app = create(billing_settings())
    app.state.db = Database.from_url(matrix_url)
    app.state.verifier = tokens.verifier()
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                return await build_world(Api(c, tokens))
    finally:
        peers.members, peers.pupils, peers.visits = saved
        await app.state.db.dispose()


@pytest.fixture
async def matrix_api(world, matrix_url, tokens):
    async with rollback_database(matrix_url) as db:
        app = create(billing_settings())
        app.state.db = db
        app.state.verifier = tokens.verifier()
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                yield Api(c, tokens)


def _cases():
    for row in MATRIX:
        for role in ROLES:
            for scope in ("own", "other") if row.scoped else ("own",):
                yield pytest.param(row, role, scope, id=f"{row.method} {row.path} {role} {scope}")


@pytest.mark.parametrize(("row", "role", "scope"), list(_cases()))
async def test_route_role_tenant(matrix_api, world, row, role, scope):
    api = matrix_api
    ids = world.values(scope)
    path = (row.path + row.query).format(**ids)
    organization = OWN if role in TENANT_ROLES else None
    kwargs: dict[str, Any] = {"headers": dict(row.headers)}
    if row.body:
        kwargs["json"] = row.body(ids)
    response = await api.request(row.method, path, as_=(role, organization), **kwargs)
    assert response.status_code == row.expected(role, scope), response.text


@pytest.mark.parametrize("row", MATRIX, ids=lambda r: f"{r.method} {r.path}")
async def test_route_without_token_is_401(client, row):
    response = await client.request(row.method, row.path.format(**ANY_IDS))
    assert response.status_code == 401


async def test_every_api_route_is_in_the_matrix(app):
    in_matrix = {(r.method, r.path) for r in MATRIX}
    in_app = {
        (method, route.path)
        for route in iter_route_contexts(app.routes)  # included routers are not flattened
        if isinstance(route.original_route, APIRoute) and route.path.startswith("/api/")
        for method in route.methods
    }

    # The matrix names path parameters after the world's objects; compare the shapes.
    def shape(path: str) -> str:
        return re.sub(r"\{[^}]+\}", "{}", path)

    assert {(m, shape(p)) for m, p in in_app} - {(m, shape(p)) for m, p in in_matrix} == set(), (
        "routes without a row in MATRIX"
    )
    assert {(m, shape(p)) for m, p in in_matrix} - {(m, shape(p)) for m, p in in_app} == set(), (
        "rows of MATRIX that are not routes any more"
    )
    assert len(in_app) == len(MATRIX)
