"""The GIP administrator's console pages (members, ENT projects and establishments, allocation
runs) with the services faked by respx: gip-admin only, CSRF on every form, the right API
called with the right body, problem+json shown next to the form."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from gateway.console.formatting import today_paris

pytestmark = pytest.mark.anyio

# The same faked platform as test_console_member's (test modules do not import each other).
IDP = "http://idp.test"
TOKEN_URL = f"{IDP}/realms/gip/protocol/openid-connect/token"
YEAR = today_paris().year
MEMBERS = [
    {"slug": "hds", "name": "Département des Hauts-de-Seine"},
    {"slug": "idf", "name": "Région Île-de-France"},
]
NNBSP = "\u202f"  # Babel's fr-FR thousands separator, and its space before %
NBSP = "\xa0"  # and before €


def problem(status: int, detail: str, **extra: Any) -> httpx.Response:
    body = {"type": "about:blank", "title": "x", "status": status, "detail": detail, **extra}
    return httpx.Response(
        status, content=json.dumps(body), headers={"Content-Type": "application/problem+json"}
    )


@dataclass
class Console:
    client: httpx.AsyncClient
    mock: respx.MockRouter
    peers: dict[str, str]
    claims: dict[str, Any] = field(default_factory=dict)

    def url(self, service: str, path: str) -> str:
        return f"{self.peers[service]}{path}"

    def on(self, method: str, service: str, path: str, **params: Any) -> respx.Route:
        return self.mock.request(method, self.url(service, path), params=params or None)

    async def log_in(self, *roles: str, organization: list[str] | None = None) -> None:
        self.claims = {"roles": list(roles)}
        if organization is not None:
            self.claims["organization"] = organization
        start = await self.client.get("/console/login?next=/console/")
        state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
        done = await self.client.get(f"/console/auth/callback?code=c&state={state}")
        assert done.status_code == 303, done.text

    async def csrf(self, page: str = "/console/notes") -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', (await self.client.get(page)).text)
        assert found
        return found.group(1)


@pytest.fixture
async def console(gateway, tokens, peers) -> AsyncIterator[Console]:
    async with gateway(idp_url=IDP) as app:
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 51000))
        async with httpx.AsyncClient(transport=transport, base_url="https://gateway.test") as c:
            with respx.mock(assert_all_called=False) as mock:
                console = Console(c, mock, {name: peer.url for name, peer in peers.items()})

                def token(request: httpx.Request) -> httpx.Response:
                    access = tokens.mint(
                        client_id="gip-console", username="someone", **console.claims
                    )
                    return httpx.Response(
                        200,
                        json={"access_token": access, "expires_in": 300, "token_type": "Bearer"},
                    )

                mock.post(TOKEN_URL).mock(side_effect=token)
                mock.get(console.url("tenants", "/api/v1/members")).respond(
                    json={"items": MEMBERS, "next_cursor": None}
                )
                mock.get(console.url("tenants", "/api/v1/projects")).respond(
                    json={"items": [{"slug": "ent-hds", "name": "ENC 92"}], "next_cursor": None}
                )
                yield console


def sent_json(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


GIP_PAGES = (
    "/console/admin/members",
    "/console/admin/members/new",
    "/console/admin/members/hds",
    "/console/admin/members/hds/leave",
    "/console/admin/projects",
    "/console/admin/projects/ent-hds",
    "/console/admin/establishments/import",
    "/console/admin/allocations",
    "/console/admin/allocations/5",
    "/console/admin/allocations/5/simulate",
    "/console/admin/allocations/5/approve",
    "/console/admin/allocations/5/issue",
)
GIP_FORMS = (
    ("/console/admin/members", {"slug": "x", "name": "X", "kind": "commune"}),
    ("/console/admin/members/hds", {"name": "X", "kind": "commune"}),
    ("/console/admin/members/hds/leave", {"left_on": f"{YEAR}-06-30"}),
    (
        "/console/admin/projects/ent-hds/memberships",
        {"uai": "0920001A", "valid_from": "2025-09-01"},
    ),
    ("/console/admin/projects/ent-hds/memberships/3/end", {"valid_to": f"{YEAR}-06-30"}),
    ("/console/admin/establishments/import", {"school_year": "2025-2026"}),
    ("/console/admin/allocations", {"year": str(YEAR)}),
    ("/console/admin/allocations/5/recompute", {}),
    ("/console/admin/allocations/5/simulate", {"change": "leave", "member": "hds"}),
    ("/console/admin/allocations/5/approve", {}),
    ("/console/admin/allocations/5/issue", {}),
)

MEMBER = {
    "slug": "hds",
    "name": "Département des Hauts-de-Seine",
    "kind": "departement",
    "college": "collectivites",
    "siren": "229200506",
    "domain": None,
    "contact_name": None,
    "contact_email": None,
    "joined_on": "2024-01-01",
    "left_on": None,
    "status": "active",
    "idp_status": "provisioned",
    "idp_org_id": "o1",
    "created_at": "2024-01-01T00:00:00Z",
    "updated_at": "2024-01-01T00:00:00Z",
}


async def gip_admin(console: Console) -> None:
    await console.log_in("gip-admin")


async def csrf_of(console: Console) -> str:
    console.on("GET", "tenants", "/api/v1/members/hds").respond(json=MEMBER)
    return await console.csrf("/console/admin/members/new")


# --------------------------------------------------------------------------- roles and CSRF


@pytest.mark.parametrize(
    ("roles", "org"), [(("member-admin",), ["hds"]), (("member-viewer",), ["hds"])]
)
async def test_only_the_gip_administrator_reaches_its_pages(console, roles, org):
    await console.log_in(*roles, organization=org)
    before = len(console.mock.calls)
    for page in GIP_PAGES:
        refused = await console.client.get(page)
        assert refused.status_code == 403, page
        assert "Accès refusé" in refused.text
    assert len(console.mock.calls) == before  # no service was asked anything
    console.on("GET", "reports", "/api/v1/notes").respond(json={"items": [], "next_cursor": None})
    home = await console.client.get("/console/notes")
    for link in ("/console/admin/members", "/console/admin/projects", "/console/admin/allocations"):
        assert f'href="{link}"' not in home.text
    csrf = await console.csrf()
    for path, data in GIP_FORMS:
        posted = await console.client.post(path, data={"csrf": csrf, **data})
        assert posted.status_code == 403, path
        assert "Accès refusé" in posted.text
    assert len([c for c in console.mock.calls if c.request.method != "GET"]) == 1  # the token


@pytest.mark.parametrize(("path", "data"), GIP_FORMS)
async def test_gip_forms_without_the_csrf_token_are_refused(console, path, data):
    await gip_admin(console)
    before = len(console.mock.calls)
    for token in (None, "wrong"):
        sent = {**data, **({"csrf": token} if token else {})}
        response = await console.client.post(path, data=sent)
        assert response.status_code == 403
        assert "Formulaire expiré" in response.text
    assert len(console.mock.calls) == before


async def test_the_navigation_offers_the_gip_pages(console):
    await gip_admin(console)
    page = await console.client.get("/console/admin/members")
    for link in ("/console/admin/members", "/console/admin/projects", "/console/admin/allocations"):
        assert f'href="{link}"' in page.text


# --------------------------------------------------------------------------- members


async def test_members_are_listed_with_their_actions(console):
    await gip_admin(console)
    console.on("GET", "tenants", "/api/v1/members").respond(
        json={
            "items": [MEMBER, {**MEMBER, "slug": "old", "name": "Ancien", "left_on": "2024-12-31"}],
            "next_cursor": None,
        }
    )
    page = await console.client.get("/console/admin/members")
    assert page.status_code == 200
    assert "Membres du GIP" in page.text
    assert "Collectivités" in page.text and "Département" in page.text
    assert 'href="/console/admin/members/hds/leave"' in page.text
    assert 'href="/console/admin/members/old/leave"' not in page.text
    assert "parti le 31 décembre 2024" in page.text
    assert "1 janvier 2024" in page.text or "1er janvier 2024" in page.text
    assert 'href="/console/admin/members/new"' in page.text


async def test_creating_a_member_posts_its_fields(console):
    await gip_admin(console)
    created = console.on("POST", "tenants", "/api/v1/members").respond(201, json=MEMBER)
    form = await console.client.get("/console/admin/members/new")
    for field_id in (
        "slug",
        "name",
        "kind",
        "college",
        "siren",
        "contact_name",
        "contact_email",
        "joined_on",
    ):
        assert f'<label for="{field_id}">' in form.text, field_id
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/members",
        data={
            "csrf": csrf,
            "slug": "val-de-marne",
            "name": "Département du Val-de-Marne",
            "kind": "departement",
            "college": "",
            "siren": "229 400 015",
            "contact_name": "Mme Durand",
            "contact_email": "",
            "joined_on": f"{YEAR}-01-01",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/admin/members?ok=created"
    assert sent_json(created) == {
        "slug": "val-de-marne",
        "name": "Département du Val-de-Marne",
        "kind": "departement",
        "siren": "229400015",
        "contact_name": "Mme Durand",
        "joined_on": f"{YEAR}-01-01",
    }
    console.on("GET", "tenants", "/api/v1/members").respond(
        json={"items": [MEMBER], "next_cursor": None}
    )
    shown = await console.client.get(response.headers["location"])
    assert "Le membre est créé." in shown.text


async def test_a_wrong_siren_is_shown_next_to_its_field(console):
    await gip_admin(console)
    console.on("POST", "tenants", "/api/v1/members").mock(
        return_value=problem(
            422,
            "the request is invalid",
            errors=[{"field": "body.siren", "reason": "not a valid SIREN (Luhn check)"}],
        )
    )
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/members",
        data={
            "csrf": csrf,
            "slug": "vdm",
            "name": "VdM",
            "kind": "departement",
            "siren": "123456789",
        },
    )
    assert response.status_code == 422
    assert 'class="problem" role="alert"' in response.text
    assert 'id="siren-error">not a valid SIREN (Luhn check)</span>' in response.text
    assert 'aria-invalid="true" aria-describedby="siren-help siren-error"' in response.text
    assert 'value="vdm"' in response.text  # the form is kept


async def test_a_member_without_name_is_not_sent(console):
    await gip_admin(console)
    created = console.on("POST", "tenants", "/api/v1/members")
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/members", data={"csrf": csrf, "slug": "vdm", "kind": "commune"}
    )
    assert response.status_code == 422
    assert 'id="name-error"' in response.text
    assert not created.called


async def test_editing_a_member_patches_every_field(console):
    await gip_admin(console)
    console.on("GET", "tenants", "/api/v1/members/hds").respond(json=MEMBER)
    page = await console.client.get("/console/admin/members/hds")
    assert page.status_code == 200
    assert 'value="229200506"' in page.text
    assert '<option value="collectivites" selected>' in page.text
    patched = console.on("PATCH", "tenants", "/api/v1/members/hds").respond(json=MEMBER)
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/members/hds",
        data={
            "csrf": csrf,
            "name": "Hauts-de-Seine",
            "kind": "departement",
            "college": "collectivites",
            "siren": "229200506",
            "contact_email": "dsi@hauts-de-seine.fr",
            "joined_on": "2024-01-01",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/admin/members?ok=updated"
    assert sent_json(patched) == {
        "name": "Hauts-de-Seine",
        "kind": "departement",
        "college": "collectivites",
        "siren": "229200506",
        "domain": None,
        "contact_name": None,
        "contact_email": "dsi@hauts-de-seine.fr",
        "joined_on": "2024-01-01",
    }


async def test_leaving_asks_for_the_date_then_posts_it(console):
    await gip_admin(console)
    console.on("GET", "tenants", "/api/v1/members/hds").respond(json=MEMBER)
    confirm = await console.client.get("/console/admin/members/hds/leave")
    assert "Confirmer le départ" in confirm.text
    assert '<label for="left_on">' in confirm.text
    left = console.on("POST", "tenants", "/api/v1/members/hds/leave").respond(json=MEMBER)
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/members/hds/leave", data={"csrf": csrf, "left_on": f"{YEAR}-06-30"}
    )
    assert response.status_code == 303
    assert "ok=left" in response.headers["location"]
    assert sent_json(left) == {"left_on": f"{YEAR}-06-30"}


async def test_a_refused_leave_is_shown_on_the_confirmation(console):
    await gip_admin(console)
    console.on("POST", "tenants", "/api/v1/members/hds/leave").mock(
        return_value=problem(409, "member hds already left on 2024-12-31")
    )
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/members/hds/leave", data={"csrf": csrf, "left_on": f"{YEAR}-06-30"}
    )
    assert response.status_code == 409
    assert "member hds already left on 2024-12-31" in response.text
    assert "Confirmer le départ" in response.text


# --------------------------------------------------------------------------- projects

PROJECT = {
    "slug": "ent-hds",
    "name": "ENC 92",
    "vendor": "Kosmos",
    "site_id": "920001",
    "funders": [{"member": "hds", "responsible": True}, {"member": "idf", "responsible": False}],
    "members": ["hds", "idf"],
    "responsible_member": "hds",
    "allowed_origins": [],
    "created_at": "2024-01-01T00:00:00Z",
    "updated_at": "2024-01-01T00:00:00Z",
}
MEMBERSHIPS = [
    {
        "id": 3,
        "project": "ent-hds",
        "uai": "0920001A",
        "valid_from": "2024-09-01",
        "valid_to": None,
        "created_at": "2024-01-01T00:00:00Z",
    },
    {
        "id": 4,
        "project": "ent-hds",
        "uai": "0920002B",
        "valid_from": "2023-09-01",
        "valid_to": "2024-08-31",
        "created_at": "2024-01-01T00:00:00Z",
    },
]


def fake_project(console: Console) -> None:
    console.on("GET", "tenants", "/api/v1/projects/ent-hds").respond(json=PROJECT)
    console.on("GET", "tenants", "/api/v1/projects/ent-hds/memberships").respond(
        json={"items": MEMBERSHIPS, "next_cursor": None}
    )
    console.on("GET", "tenants", "/api/v1/projects/ent-hds/establishments").respond(
        json={
            "items": [
                {
                    "uai": "0920001A",
                    "name": "Collège Paul Éluard",
                    "type": "college",
                    "commune": "Nanterre",
                    "academie": "Versailles",
                    "valid_from": "2024-09-01",
                    "valid_to": None,
                },
            ],
            "next_cursor": None,
            "project": "ent-hds",
            "on": None,
        }
    )


async def test_projects_are_listed(console):
    await gip_admin(console)
    console.on("GET", "tenants", "/api/v1/projects").respond(
        json={"items": [PROJECT], "next_cursor": None}
    )
    page = await console.client.get("/console/admin/projects")
    assert page.status_code == 200
    assert 'href="/console/admin/projects/ent-hds"' in page.text
    assert "hds (responsable), idf" in page.text


async def test_a_project_shows_its_establishments_over_time(console):
    await gip_admin(console)
    fake_project(console)
    page = await console.client.get("/console/admin/projects/ent-hds")
    assert page.status_code == 200
    text = page.text
    assert "Collège Paul Éluard" in text and "Nanterre" in text
    assert "1 septembre 2024" in text or "1er septembre 2024" in text
    assert "31 août 2024" in text and "sans fin" in text
    # Detaching is offered for the open membership only, with a labelled date.
    assert "/memberships/3/end" in text and "/memberships/4/end" not in text
    assert '<label for="valid_to-3">' in text
    assert '<label for="uai">' in text and '<label for="valid_from">' in text


async def test_attaching_posts_the_uai_and_date(console):
    await gip_admin(console)
    fake_project(console)
    attached = console.on("POST", "tenants", "/api/v1/projects/ent-hds/memberships").respond(
        201, json=MEMBERSHIPS[0]
    )
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/projects/ent-hds/memberships",
        data={"csrf": csrf, "uai": "0920003c", "valid_from": "2025-09-01"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/admin/projects/ent-hds?ok=attached"
    assert sent_json(attached) == {"uai": "0920003C", "valid_from": "2025-09-01"}


async def test_an_overlapping_attachment_names_the_other_project(console):
    await gip_admin(console)
    fake_project(console)
    console.on("POST", "tenants", "/api/v1/projects/ent-hds/memberships").mock(
        return_value=problem(
            409,
            "establishment 0920003C belongs to project ent-idf from 2024-09-01 to no end",
            conflicting_project="ent-idf",
            conflicting_membership=9,
        )
    )
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/projects/ent-hds/memberships",
        data={"csrf": csrf, "uai": "0920003C", "valid_from": "2025-09-01"},
    )
    assert response.status_code == 409
    assert "belongs to project ent-idf" in response.text
    assert "Conflit avec le projet « ent-idf »" in response.text
    assert 'value="0920003C"' in response.text


async def test_detaching_patches_the_end_date(console):
    await gip_admin(console)
    fake_project(console)
    ended = console.on("PATCH", "tenants", "/api/v1/projects/ent-hds/memberships/3").respond(
        json={**MEMBERSHIPS[0], "valid_to": f"{YEAR}-06-30"}
    )
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/projects/ent-hds/memberships/3/end",
        data={"csrf": csrf, "valid_to": f"{YEAR}-06-30"},
    )
    assert response.status_code == 303
    assert "ok=detached" in response.headers["location"]
    assert sent_json(ended) == {"valid_to": f"{YEAR}-06-30"}


CSV = (
    b"uai,name,type,commune,academie\n"
    b"0920001A,College A,college,Nanterre,Versailles\n"
    b"BAD,X,college,Y,Z\n"
)


async def test_the_csv_import_sends_the_file_and_shows_each_bad_line(console):
    await gip_admin(console)
    imported = console.on("POST", "tenants", "/api/v1/establishments/import").respond(
        json={
            "rows": 2,
            "created": 1,
            "updated": 0,
            "unchanged": 0,
            "rejected": 1,
            "errors": [{"line": 3, "field": "uai", "reason": "not a valid UAI"}],
        }
    )
    page = await console.client.get("/console/admin/establishments/import")
    assert 'enctype="multipart/form-data"' in page.text and '<label for="file">' in page.text
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/establishments/import",
        data={"csrf": csrf, "school_year": "2025-2026"},
        files={"file": ("etabs.csv", CSV, "text/csv")},
    )
    assert response.status_code == 200
    request = imported.calls.last.request
    assert request.content == CSV
    assert request.headers["content-type"] == "text/csv"
    assert request.url.params["school_year"] == "2025-2026"
    text = response.text
    assert 'data-count="created">1<' in text and 'data-count="rejected">1<' in text
    assert 'data-count="updated">0<' in text and 'data-count="unchanged">0<' in text
    assert '<tr><th scope="row">3</th><td>UAI</td><td>not a valid UAI</td></tr>' in text


async def test_a_file_refused_whole_is_shown_next_to_the_file_field(console):
    await gip_admin(console)
    console.on("POST", "tenants", "/api/v1/establishments/import").mock(
        return_value=problem(
            422, "invalid", errors=[{"field": "body", "reason": "the file must be UTF-8"}]
        )
    )
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/establishments/import",
        data={"csrf": csrf},
        files={"file": ("etabs.csv", b"\xff\xfe", "text/csv")},
    )
    assert response.status_code == 422
    assert 'id="file-error">the file must be UTF-8</span>' in response.text


async def test_an_import_without_file_is_not_sent(console):
    await gip_admin(console)
    imported = console.on("POST", "tenants", "/api/v1/establishments/import")
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/establishments/import", data={"csrf": csrf, "school_year": "2025-2026"}
    )
    assert response.status_code == 422
    assert 'id="file-error"' in response.text
    assert not imported.called


# --------------------------------------------------------------------------- allocations

RUN = {
    "id": 5,
    "year": YEAR,
    "status": "draft",
    "reference_date": f"{YEAR}-01-01",
    "shares": {"cdc": 1, "state": 1, "collectivites": 1, "other": 0},
    "colleges": {"cdc": 10_900_000, "state": 10_900_000, "collectivites": 10_900_000},
    "cost_cents": 32_700_000,
    "called_cents": 33_000_000,
    "warnings": ["member xyz has no pupils: its students-key share is 0"],
    "error": None,
    "note": None,
    "sources": {},
    "created_by": "admin",
    "created_at": f"{YEAR}-01-05T09:00:00Z",
    "computed_at": f"{YEAR}-01-05T09:00:10Z",
    "approved_by": None,
    "approved_at": None,
    "superseded_by": None,
}
LINE = {
    "member": "hds",
    "prestation": "mesure",
    "college": "collectivites",
    "key": "students",
    "key_value": 150_000,
    "key_total": 450_000,
    "days": 365,
    "period_days": 365,
    "weight": "150000/1",
    "weight_total": "450000/1",
    "fraction": "1/3",
    "pool_cents": 10_900_000,
    "exact_cents": "10900000/3",
    "exact_euros": "36333.333333",
    "amount_cents": 3_633_333,
    "in_kind_cents": 0,
    "net_cents": 3_633_333,
    "explanation": "150 000 pupils of 450 000, 365 days of 365",
}
TOTAL = {
    "member": "hds",
    "name": "Département des Hauts-de-Seine",
    "kind": "departement",
    "college": "collectivites",
    "public": True,
    "gross_cents": 3_633_333,
    "in_kind_cents": 0,
    "deducted_cents": 0,
    "excess_cents": 0,
    "net_cents": 3_633_333,
}


def fake_run(console: Console, run: dict | None = None) -> None:
    run = run or RUN
    console.on("GET", "billing", "/api/v1/allocations/5").respond(json=run)
    console.on("GET", "billing", "/api/v1/allocations/5/members").respond(json=[TOTAL])
    console.on("GET", "billing", "/api/v1/allocations/5/lines").respond(
        json={"items": [LINE], "next_cursor": None}
    )
    console.on("GET", "billing", "/api/v1/allocations/5/thresholds").respond(
        json={
            "run_id": 5,
            "reference_date": f"{YEAR}-01-01",
            "valid_from": "2026-04-01",
            "threshold_cents": 6_000_000,
            "compared": "...",
            "over": [{"member": "hds", "total_cents": 3_633_333, "excess_cents": 33_333}],
        }
    )
    console.on("GET", "billing", f"/api/v1/budget-years/{YEAR}/prestations").respond(
        json=[
            {"code": "notes-synthese", "label": "Notes", "kind": "option"},
            {"code": "mesure", "label": "Mesure", "kind": "base"},
        ]
    )


async def test_the_runs_of_a_year_are_listed_with_the_form(console):
    await gip_admin(console)
    console.on("GET", "billing", "/api/v1/budget-years").respond(
        json={"items": [{"year": YEAR}], "next_cursor": None}
    )
    listed = console.on("GET", "billing", "/api/v1/allocations").respond(
        json={"items": [RUN], "next_cursor": None}
    )
    page = await console.client.get(f"/console/admin/allocations?year={YEAR}")
    assert page.status_code == 200
    assert listed.calls.last.request.url.params["year"] == str(YEAR)
    assert 'href="/console/admin/allocations/5"' in page.text
    assert f"330{NNBSP}000,00{NBSP}€" in page.text
    assert "Projet" in page.text
    assert '<label for="reference_date">' in page.text


async def test_computing_a_draft_posts_the_year(console):
    await gip_admin(console)
    created = console.on("POST", "billing", "/api/v1/allocations").respond(
        202, json={**RUN, "status": "computing"}
    )
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/allocations",
        data={"csrf": csrf, "year": str(YEAR), "reference_date": f"{YEAR}-04-01"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/admin/allocations/5?ok=created"
    assert sent_json(created) == {"year": YEAR, "reference_date": f"{YEAR}-04-01"}
    fake_run(console, {**RUN, "status": "computing"})
    page = await console.client.get(response.headers["location"])
    assert "Calcul en cours" in page.text
    assert '<meta http-equiv="refresh"' in page.text


async def test_a_refused_draft_is_shown_next_to_the_form(console):
    await gip_admin(console)
    console.on("GET", "billing", "/api/v1/budget-years").respond(
        json={"items": [], "next_cursor": None}
    )
    console.on("GET", "billing", "/api/v1/allocations").respond(
        json={"items": [], "next_cursor": None}
    )
    console.on("POST", "billing", "/api/v1/allocations").mock(
        return_value=problem(404, f"no budget year {YEAR}")
    )
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/allocations", data={"csrf": csrf, "year": str(YEAR)}
    )
    assert response.status_code == 404
    assert f"no budget year {YEAR}" in response.text


async def test_a_run_shows_its_table_by_college_and_member_with_explanations(console):
    await gip_admin(console)
    fake_run(console)
    page = await console.client.get("/console/admin/allocations/5")
    assert page.status_code == 200
    text = page.text
    assert "Collectivités — part du service commun" in text
    assert "Département des Hauts-de-Seine" in text
    assert "150 000 pupils of 450 000, 365 days of 365" in text
    assert f"150{NNBSP}000" in text and f"450{NNBSP}000" in text
    assert "365 / 365" in text
    assert "33,3 %" in text  # the fraction 1/3
    assert f"36{NNBSP}333,333333{NBSP}€" in text  # before rounding
    assert f"36{NNBSP}333,33{NBSP}€" in text  # after rounding
    assert "member xyz has no pupils" in text  # the run's warning
    assert "Au-dessus du seuil" in text and f"60{NNBSP}000,00{NBSP}€" in text
    assert 'href="/console/admin/allocations/5/approve"' in text
    assert 'href="/console/admin/allocations/5/simulate"' in text


async def test_approving_asks_for_confirmation_then_posts(console):
    await gip_admin(console)
    fake_run(console)
    confirm = await console.client.get("/console/admin/allocations/5/approve")
    assert "Confirmer l'approbation" in confirm.text
    approved = console.on("POST", "billing", "/api/v1/allocations/5/approve").respond(
        json={**RUN, "status": "approved"}
    )
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/allocations/5/approve", data={"csrf": csrf}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/admin/allocations/5?ok=approved"
    assert approved.called


async def test_a_refused_approval_is_shown(console):
    await gip_admin(console)
    fake_run(console)
    console.on("POST", "billing", "/api/v1/allocations/5/approve").mock(
        return_value=problem(409, "run 5 is approved, not a draft")
    )
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/allocations/5/approve", data={"csrf": csrf}
    )
    assert response.status_code == 409
    assert "run 5 is approved, not a draft" in response.text


async def test_issuing_shows_the_invoices_issued_and_skipped(console):
    await gip_admin(console)
    fake_run(console, {**RUN, "status": "approved"})
    confirm = await console.client.get("/console/admin/allocations/5/issue")
    assert "Confirmer l'émission" in confirm.text
    console.on("POST", "billing", "/api/v1/allocations/5/issue").respond(
        json={"run_id": 5, "issued": [f"GIP-{YEAR}-000001"], "skipped": {"cdc": "nothing due"}}
    )
    csrf = await csrf_of(console)
    response = await console.client.post("/console/admin/allocations/5/issue", data={"csrf": csrf})
    assert response.status_code == 200
    assert f"GIP-{YEAR}-000001" in response.text
    assert "nothing due" in response.text


@pytest.mark.parametrize(
    ("data", "body"),
    [
        (
            {
                "change": "join",
                "slug": "vdm",
                "name": "Val-de-Marne",
                "kind": "departement",
                "college": "collectivites",
                "pupils": "80 000",
                "visits": "",
                "joined_on": f"{YEAR}-01-01",
            },
            {
                "join": [
                    {
                        "slug": "vdm",
                        "name": "Val-de-Marne",
                        "kind": "departement",
                        "college": "collectivites",
                        "pupils": 80000,
                        "visits": 0,
                        "joined_on": f"{YEAR}-01-01",
                    }
                ]
            },
        ),
        ({"change": "leave", "member": "hds", "left_on": ""}, {"leave": [{"member": "hds"}]}),
        (
            {
                "change": "subscribe",
                "member": "hds",
                "prestation": "notes-synthese",
                "starts_on": f"{YEAR}-03-01",
            },
            {
                "subscribe": [
                    {"member": "hds", "prestation": "notes-synthese", "starts_on": f"{YEAR}-03-01"}
                ]
            },
        ),
        (
            {"change": "cancel", "member": "hds", "prestation": "notes-synthese"},
            {"cancel": [{"member": "hds", "prestation": "notes-synthese"}]},
        ),
        (
            {
                "change": "shares",
                "share_cdc": "2",
                "share_state": "1",
                "share_collectivites": "1",
                "share_other": "0",
            },
            {"shares": {"cdc": 2, "state": 1, "collectivites": 1, "other": 0}},
        ),
    ],
)
async def test_what_if_posts_the_change_and_shows_each_difference(console, data, body):
    await gip_admin(console)
    fake_run(console)
    form = await console.client.get("/console/admin/allocations/5/simulate")
    assert form.status_code == 200
    assert (
        '<option value="notes-synthese">' in form.text
        and '<option value="mesure">' not in form.text
    )
    simulated = console.on("POST", "billing", "/api/v1/allocations/5/simulate").respond(
        json={
            "run_id": 5,
            "differences": [
                {
                    "member": "hds",
                    "before_cents": 3_633_333,
                    "after_cents": 3_000_000,
                    "difference_cents": -633_333,
                }
            ],
            "called_before_cents": 33_000_000,
            "called_after_cents": 33_100_000,
            "warnings": ["over the threshold"],
        }
    )
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/allocations/5/simulate", data={"csrf": csrf, **data}
    )
    assert response.status_code == 200, response.text
    assert sent_json(simulated) == body
    text = response.text
    assert "Département des Hauts-de-Seine" in text
    assert f"-6{NNBSP}333,33{NBSP}€" in text or f"−6{NNBSP}333,33{NBSP}€" in text
    assert f"331{NNBSP}000,00{NBSP}€" in text
    assert "over the threshold" in text


async def test_an_incomplete_what_if_is_not_sent(console):
    await gip_admin(console)
    fake_run(console)
    simulated = console.on("POST", "billing", "/api/v1/allocations/5/simulate")
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/allocations/5/simulate",
        data={"csrf": csrf, "change": "join", "slug": "vdm"},
    )
    assert response.status_code == 422
    assert 'id="kind-error"' in response.text and 'id="college-error"' in response.text
    assert not simulated.called


async def test_a_refused_what_if_shows_the_problem(console):
    await gip_admin(console)
    fake_run(console)
    console.on("POST", "billing", "/api/v1/allocations/5/simulate").mock(
        return_value=problem(409, "member vdm is already a member")
    )
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/allocations/5/simulate",
        data={
            "csrf": csrf,
            "change": "join",
            "slug": "vdm",
            "kind": "commune",
            "college": "collectivites",
        },
    )
    assert response.status_code == 409
    assert "member vdm is already a member" in response.text
