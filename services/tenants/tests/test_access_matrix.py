"""Every route × every role × own/other tenant, against the expected status (DESIGN.md §2).

One table, one parametrised test: a route added to the app without a row here fails
`test_every_api_route_is_in_the_matrix`, so authorisation is decided for every route.

A cell is the status for the caller's own tenant's object, or `own/other` when they differ.
Callers holding `member-admin`, `member-viewer`, `partner` or `ent-ingest` act for the member
`hds`; `gip-admin` and `service` act for no member. "other" objects belong to member `idf`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from gipkit.uai import uai_check_letter

pytestmark = pytest.mark.anyio


def uai(digits: str) -> str:
    return digits + uai_check_letter(digits)


ROLES = ("gip-admin", "service", "member-admin", "member-viewer", "partner", "ent-ingest")
TENANT_ROLES = frozenset(ROLES[2:])
OWN, OTHER = "hds", "idf"


@dataclass
class World:
    """What exists before each call: two members, each with the same kinds of objects."""

    ids: dict[str, dict[str, str]] = field(default_factory=dict)

    def values(self, scope: str) -> dict[str, str]:
        return self.ids[scope]


Body = Callable[[World, str], Any]


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    cells: str  # one cell per role of ROLES, separated by spaces
    body: Body | None = None
    params: dict[str, str] | None = None

    def expected(self, role: str, scope: str) -> int:
        cell = self.cells.split()[ROLES.index(role)]
        own, _, other = cell.partition("/")
        return int(other if scope == "other" and other else own)


def json(value: Any) -> Body:
    return lambda _world, _scope: value


@dataclass(frozen=True)
class Csv:
    text: str


def csv(text: str) -> Body:
    return lambda _world, _scope: Csv(text)


MATRIX: list[Row] = [
    # --- members ---------------------------------------------------------------------------
    Row("GET", "/api/v1/members", "200 200 200 200 403 403"),
    Row(
        "POST",
        "/api/v1/members",
        "201 403 403 403 403 403",
        json({"slug": "new-member", "name": "New member", "kind": "commune"}),
    ),
    Row("GET", "/api/v1/members/{member}", "200 200 200/404 200/404 403 403"),
    Row(
        "PATCH",
        "/api/v1/members/{member}",
        "200 403 200/404 403 403 403",
        json({"contact_name": "Someone"}),
    ),
    Row(
        "POST",
        "/api/v1/members/{member}/leave",
        "200 403 403 403 403 403",
        json({"left_on": "2030-08-31"}),
    ),
    Row("GET", "/api/v1/members/{member}/summary", "200 200 200/404 200/404 200/404 200/404"),
    Row(
        "GET",
        "/api/v1/members/{member}/headcount",
        "200 200 200/404 200/404 403 403",
        params={"school_year": "2025-2026"},
    ),
    Row("POST", "/api/v1/idp/reconcile", "200 403 403 403 403 403"),
    # --- a member's users (IdP) ------------------------------------------------------------
    Row("GET", "/api/v1/members/{member}/users", "200 200 200/404 200/404 403 403"),
    Row(
        "POST",
        "/api/v1/members/{member}/users",
        "201 403 201/404 403 403 403",
        json({"email": "new.user@example.fr", "role": "member-viewer"}),
    ),
    Row(
        "DELETE",
        "/api/v1/members/{member}/users/{user_id}",
        "204 403 204/404 403 403 403",
    ),
    # --- machine clients -------------------------------------------------------------------
    Row("GET", "/api/v1/clients", "200 200 200 200 403 403"),
    Row(
        "POST",
        "/api/v1/clients",
        "201 403 201/404 403 403 403",
        lambda world, scope: {"member": world.ids[scope]["member"], "kind": "partner"},
    ),
    Row("GET", "/api/v1/clients/{client_id}", "200 200 200/404 200/404 403 403"),
    Row("POST", "/api/v1/clients/{client_id}/secret", "200 403 200/404 403 403 403"),
    Row("POST", "/api/v1/clients/{client_id}/disable", "200 403 200/404 403 403 403"),
    Row("POST", "/api/v1/clients/{client_id}/enable", "200 403 200/404 403 403 403"),
    # --- establishments --------------------------------------------------------------------
    Row("GET", "/api/v1/establishments", "200 200 200 200 403 403"),
    Row(
        "POST",
        "/api/v1/establishments",
        "201 403 403 403 403 403",
        json(
            {
                "uai": "0690026D",
                "name": "Lycée",
                "type": "lycee",
                "commune": "Lyon",
                "academie": "Lyon",
            }
        ),
    ),
    Row(
        "POST",
        "/api/v1/establishments/import",
        "200 403 403 403 403 403",
        csv("uai,name,type,commune,academie\n0690026D,Lycée,lycee,Lyon,Lyon\n"),
    ),
    Row("GET", "/api/v1/establishments/{uai}", "200 200 200/404 200/404 403 403"),
    Row(
        "PATCH",
        "/api/v1/establishments/{uai}",
        "200 403 403 403 403 403",
        json({"name": "Renamed"}),
    ),
    Row("GET", "/api/v1/establishments/{uai}/headcounts", "200 200 200/404 200/404 403 403"),
    Row(
        "PUT",
        "/api/v1/establishments/{uai}/headcounts/{school_year}",
        "200 403 403 403 403 403",
        json({"pupils": 600, "teachers": 45, "staff": 20}),
    ),
    Row("GET", "/api/v1/establishments/{uai}/networks", "200 200 200/404 200/404 403 403"),
    Row(
        "POST",
        "/api/v1/establishments/{uai}/networks",
        "201 403 403 403 403 403",
        json({"cidr": "198.51.100.0/24"}),
    ),
    Row(
        "DELETE",
        "/api/v1/establishments/{uai}/networks/{network_id}",
        "204 403 403 403 403 403",
    ),
    # --- ENT projects ----------------------------------------------------------------------
    Row("GET", "/api/v1/projects", "200 200 200 200 403 403"),
    Row(
        "POST",
        "/api/v1/projects",
        "201 403 403 403 403 403",
        lambda world, scope: {
            "slug": "new-project",
            "name": "New project",
            "vendor": "Vendor",
            "site_id": "999999",
            "responsible": world.ids[scope]["member"],
        },
    ),
    Row("GET", "/api/v1/projects/{project}", "200 200 200/404 200/404 403 403"),
    Row(
        "PATCH",
        "/api/v1/projects/{project}",
        "200 403 403 403 403 403",
        json({"vendor": "Other vendor"}),
    ),
    Row("GET", "/api/v1/projects/by-site/{site_id}", "200 200 200/404 200/404 403 403"),
    Row("GET", "/api/v1/projects/{project}/establishments", "200 200 200/404 200/404 403 403"),
    Row("GET", "/api/v1/projects/{project}/memberships", "200 200 200/404 200/404 403 403"),
    Row(
        "POST",
        "/api/v1/projects/{project}/memberships",
        "201 403 403 403 403 403",
        lambda world, scope: {"uai": world.ids[scope]["free_uai"], "valid_from": "2024-09-01"},
    ),
    Row(
        "PATCH",
        "/api/v1/projects/{project}/memberships/{membership_id}",
        "200 403 403 403 403 403",
        json({"valid_to": "2030-08-31"}),
    ),
    Row(
        "DELETE",
        "/api/v1/projects/{project}/memberships/{membership_id}",
        "204 403 403 403 403 403",
    ),
]


OWN_UAI, OTHER_UAI = uai("0921234"), uai("0751234")

# Well-formed identifiers of nothing in particular, for calls that never get past the token.
ANY_IDS = {
    "member": OWN,
    "uai": OWN_UAI,
    "school_year": "2025-2026",
    "network_id": "1",
    "project": "ent",
    "site_id": "920001",
    "membership_id": "1",
    "user_id": "00000000-0000-0000-0000-000000000000",
    "client_id": "hds-partner-1",
}


async def build_world(api) -> World:
    world = World()
    for n, (scope, slug, kind, code) in enumerate(
        (("own", OWN, "departement", OWN_UAI), ("other", OTHER, "region", OTHER_UAI))
    ):
        await api.member(slug, kind=kind, joined_on="2013-01-01")
        free = uai(f"00{n}0001")  # in no project yet
        for establishment in (code, free):
            await api.created(
                "/api/v1/establishments",
                {
                    "uai": establishment,
                    "name": f"Collège {establishment}",
                    "type": "college",
                    "commune": "C",
                    "academie": "A",
                },
            )
        network = await api.created(
            f"/api/v1/establishments/{code}/networks", {"cidr": f"10.{n}.0.0/16"}
        )
        site_id = f"92000{n}"
        await api.created(
            "/api/v1/projects",
            {
                "slug": f"ent-{slug}",
                "name": f"ENT {slug}",
                "vendor": "Vendor",
                "site_id": site_id,
                "responsible": slug,
            },
        )
        membership = await api.created(
            f"/api/v1/projects/ent-{slug}/memberships", {"uai": code, "valid_from": "2020-09-01"}
        )
        user = await api.created(
            f"/api/v1/members/{slug}/users", {"email": f"admin@{slug}.fr", "role": "member-admin"}
        )
        client = await api.created("/api/v1/clients", {"member": slug, "kind": "ent-ingest"})
        world.ids[scope] = {
            "user_id": user["id"],
            "client_id": client["client_id"],
            "member": slug,
            "uai": code,
            "free_uai": free,
            "school_year": "2025-2026",
            "network_id": str(network["id"]),
            "project": f"ent-{slug}",
            "site_id": site_id,
            "membership_id": str(membership["id"]),
        }
    return world


def _cases():
    for row in MATRIX:
        for role in ROLES:
            if row.expected(role, "own") == row.expected(role, "other") == 403:
                # Refused on the role alone, before any object is looked at: one call with
                # well-formed identifiers of nothing, no world needed.
                yield pytest.param(row, role, "any", id=f"{row.method} {row.path} {role}")
                continue
            for scope in ("own", "other"):
                yield pytest.param(row, role, scope, id=f"{row.method} {row.path} {role} {scope}")


@pytest.mark.parametrize(("row", "role", "scope"), list(_cases()))
async def test_route_role_tenant(api, row, role, scope):
    if scope == "any":
        world, ids, expected = World(), ANY_IDS, 403
    else:
        world = await build_world(api)
        ids, expected = world.values(scope), row.expected(role, scope)
    path = row.path.format(**ids)
    organization = OWN if role in TENANT_ROLES else None
    kwargs: dict[str, Any] = {}
    body = row.body(world, scope) if row.body and scope != "any" else None
    if isinstance(body, Csv):
        kwargs = {"content": body.text.encode(), "headers": {"Content-Type": "text/csv"}}
    elif body is not None:
        kwargs = {"json": body}
    if row.params:
        kwargs["params"] = row.params
    response = await api.request(row.method, path, as_=(role, organization), **kwargs)
    assert response.status_code == expected, response.text


@pytest.mark.parametrize("row", MATRIX, ids=lambda r: f"{r.method} {r.path}")
async def test_route_without_token_is_401(client, row):
    response = await client.request(row.method, row.path.format(**ANY_IDS))
    assert response.status_code == 401


async def test_every_api_route_is_in_the_matrix(app):
    in_matrix = {(r.method, r.path) for r in MATRIX}
    in_app = {
        (method, route.path_format)
        for route in iter_route_contexts(app.routes)  # included routers are not flattened
        if isinstance(route.original_route, APIRoute) and route.path_format.startswith("/api/")
        for method in route.methods
    }
    assert in_app - in_matrix == set(), "routes without a row in MATRIX"
    assert in_matrix - in_app == set(), "rows of MATRIX that are not routes any more"
