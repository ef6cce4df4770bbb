"""The GIP administrator's console pages (members, ENT projects and establishments, allocation
runs) with the services faked by respx: gip-admin only, CSRF on every form, the right API
called with the right body, problem+json shown next to the form."""

from __future__ import annotations

from typing import Any

import pytest
import respx
from console_fakes import NBSP, NNBSP, Console, problem, sent_json

from gateway.console.formatting import today_paris

pytestmark = pytest.mark.anyio

YEAR = today_paris().year


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
    "/console/admin/catalogue",
    f"/console/admin/catalogue?year={YEAR}",
    "/console/admin/invoices",
    f"/console/admin/invoices/GIP-{YEAR}-000001",
    f"/console/admin/invoices/GIP-{YEAR}-000001/pdf",
    f"/console/admin/credit-notes/GIP-AV-{YEAR}-000001/pdf",
    "/console/admin/open-data",
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
    ("/console/admin/catalogue/years", {"year": str(YEAR + 1)}),
    (
        f"/console/admin/catalogue/{YEAR}/prestations",
        {"code": "x", "label": "X", "kind": "base", "key": "students", "colleges": "cdc"},
    ),
    (
        f"/console/admin/invoices/GIP-{YEAR}-000001/payments",
        {"amount": "10", "received_on": f"{YEAR}-03-01"},
    ),
    ("/console/admin/open-data", {"week": f"{YEAR - 1}-W10"}),
)
GIP_LINKS = (
    "/console/admin/members",
    "/console/admin/projects",
    "/console/admin/allocations",
    "/console/admin/catalogue",
    "/console/admin/invoices",
    "/console/admin/open-data",
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
    for link in GIP_LINKS:
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
    for link in GIP_LINKS:
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
    assert f"33,3{NNBSP}%" in text  # the fraction 1/3
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


# --------------------------------------------------------------------------- catalogue

BUDGET_YEAR = {
    "year": YEAR,
    "label": f"Exercice {YEAR}",
    "starts_on": f"{YEAR}-01-01",
    "ends_on": f"{YEAR}-12-31",
    "school_year": f"{YEAR - 1}-{YEAR}",
    "visits_from": f"{YEAR - 1}-01-01",
    "visits_to": f"{YEAR - 1}-12-31",
    "created_at": f"{YEAR}-01-02T08:00:00Z",
}
PRESTATION = {
    "year": YEAR,
    "code": "mesure",
    "label": "Service commun de mesure",
    "kind": "base",
    "cost_cents": 30_000_000,
    "key": "students",
    "unit_price_cents": 0,
    "vat_rate_bp": 2000,
    "colleges": ["cdc", "collectivites", "state"],
    "created_at": f"{YEAR}-01-02T08:00:00Z",
    "updated_at": f"{YEAR}-01-02T08:00:00Z",
}


def fake_catalogue(console: Console) -> None:
    console.on("GET", "billing", "/api/v1/budget-years").respond(
        json={"items": [BUDGET_YEAR], "next_cursor": None}
    )
    console.on("GET", "billing", f"/api/v1/budget-years/{YEAR}/prestations").respond(
        json=[
            PRESTATION,
            {
                **PRESTATION,
                "code": "notes-synthese",
                "label": "Notes de synthèse",
                "kind": "option",
                "cost_cents": 0,
                "key": "fixed_price",
                "unit_price_cents": 300_000,
                "vat_rate_bp": 550,
                "colleges": ["collectivites"],
            },
        ]
    )


async def test_the_catalogue_shows_the_years_and_the_prestations_of_one(console):
    await gip_admin(console)
    fake_catalogue(console)
    page = await console.client.get("/console/admin/catalogue")
    assert page.status_code == 200
    assert f"Catalogue {YEAR}" in page.text
    assert f"Exercice {YEAR}" in page.text and f"{YEAR - 1}-{YEAR}" in page.text
    assert f"300{NNBSP}000,00{NBSP}€" in page.text  # the cost, from integer cents
    assert f"3{NNBSP}000,00{NBSP}€" in page.text  # the unit price of the option
    assert f"20{NNBSP}%" in page.text and f"5,5{NNBSP}%" in page.text
    assert "Élèves couverts" in page.text and "Prix fixe par an" in page.text
    assert "Caisse des Dépôts, Collectivités, État" in page.text
    assert f'action="/console/admin/catalogue/{YEAR}/prestations"' in page.text
    assert 'action="/console/admin/catalogue/years"' in page.text
    for field_id in ("code", "label", "kind", "key", "cost", "unit_price", "vat_rate"):
        assert f'<label for="{field_id}">' in page.text, field_id
    assert f'value="{YEAR + 1}"' in page.text  # the next year is offered


async def test_a_year_not_opened_offers_only_to_open_it(console):
    await gip_admin(console)
    fake_catalogue(console)
    page = await console.client.get(f"/console/admin/catalogue?year={YEAR + 3}")
    assert page.status_code == 200
    assert f"exercice {YEAR + 3} n'est pas ouvert" in page.text
    assert "/prestations" not in page.text


async def test_opening_a_budget_year_posts_it(console):
    await gip_admin(console)
    opened = console.on("POST", "billing", "/api/v1/budget-years").respond(
        201, json={**BUDGET_YEAR, "year": YEAR + 1}
    )
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/catalogue/years",
        data={
            "csrf": csrf,
            "year": str(YEAR + 1),
            "label": "",
            "school_year": f"{YEAR}-{YEAR + 1}",
            "visits_period": "budget_year",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/admin/catalogue?ok=opened&year={YEAR + 1}"
    assert sent_json(opened) == {
        "year": YEAR + 1,
        "school_year": f"{YEAR}-{YEAR + 1}",
        "visits_period": "budget_year",
    }
    fake_catalogue(console)
    shown = await console.client.get(response.headers["location"])
    assert "budgétaire est ouvert." in shown.text


async def test_a_year_already_open_shows_the_problem_next_to_its_form(console):
    await gip_admin(console)
    fake_catalogue(console)
    console.on("POST", "billing", "/api/v1/budget-years").mock(
        return_value=problem(409, f"budget year {YEAR} already exists")
    )
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/catalogue/years", data={"csrf": csrf, "year": str(YEAR)}
    )
    assert response.status_code == 409
    assert 'id="exercice-erreur"' in response.text
    assert f"budget year {YEAR} already exists" in response.text
    assert 'id="prestation-erreur"' not in response.text


async def test_adding_a_prestation_sends_cents_and_basis_points(console):
    await gip_admin(console)
    added = console.on("POST", "billing", f"/api/v1/budget-years/{YEAR}/prestations").respond(
        201, json=PRESTATION
    )
    csrf = await csrf_of(console)
    response = await console.client.post(
        f"/console/admin/catalogue/{YEAR}/prestations",
        data={
            "csrf": csrf,
            "code": "sms",
            "label": "Envoi de SMS",
            "kind": "option",
            "cost": "",
            "key": "usage",
            "unit_price": "0,07",
            "vat_rate": "5,5",
            "colleges": ["collectivites", "state", "bogus"],
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/console/admin/catalogue?ok=added&year={YEAR}"
    assert sent_json(added) == {
        "code": "sms",
        "label": "Envoi de SMS",
        "kind": "option",
        "cost_cents": 0,
        "key": "usage",
        "unit_price_cents": 7,
        "vat_rate_bp": 550,
        "colleges": ["collectivites", "state"],
    }
    # A French amount with thousands separators.
    await console.client.post(
        f"/console/admin/catalogue/{YEAR}/prestations",
        data={
            "csrf": csrf,
            "code": "mesure",
            "label": "Mesure",
            "kind": "base",
            "cost": f"300{NNBSP}000,5",
            "key": "students",
            "vat_rate": "20",
            "colleges": "cdc",
        },
    )
    assert sent_json(added)["cost_cents"] == 30_000_050
    assert sent_json(added)["vat_rate_bp"] == 2000


async def test_a_prestation_with_a_wrong_amount_is_not_sent(console):
    await gip_admin(console)
    fake_catalogue(console)
    added = console.on("POST", "billing", f"/api/v1/budget-years/{YEAR}/prestations")
    csrf = await csrf_of(console)
    response = await console.client.post(
        f"/console/admin/catalogue/{YEAR}/prestations",
        data={
            "csrf": csrf,
            "code": "x",
            "label": "X",
            "kind": "base",
            "key": "students",
            "cost": "12,345",
            "vat_rate": "abc",
        },
    )
    assert response.status_code == 422
    assert 'id="cost-error"' in response.text
    assert 'id="vat_rate-error"' in response.text
    assert 'id="colleges-error"' in response.text
    assert 'value="12,345"' in response.text  # the form is kept
    assert not added.called


async def test_a_refused_prestation_is_shown_next_to_its_field(console):
    await gip_admin(console)
    fake_catalogue(console)
    console.on("POST", "billing", f"/api/v1/budget-years/{YEAR}/prestations").mock(
        return_value=problem(
            422,
            "the request is invalid",
            errors=[{"field": "body.cost_cents", "reason": "must be at most 1000000000000"}],
        )
    )
    csrf = await csrf_of(console)
    response = await console.client.post(
        f"/console/admin/catalogue/{YEAR}/prestations",
        data={
            "csrf": csrf,
            "code": "x",
            "label": "X",
            "kind": "base",
            "key": "students",
            "cost": "1 000",
            "colleges": "cdc",
        },
    )
    assert response.status_code == 422
    assert 'id="prestation-erreur"' in response.text
    assert 'id="cost-error">must be at most 1000000000000</span>' in response.text


# --------------------------------------------------------------------------- invoices


def invoice(number: int, member: str, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "number": f"GIP-{YEAR}-{number:06d}",
        "year": YEAR,
        "run_id": 5,
        "member": member,
        "buyer_name": "Département des Hauts-de-Seine",
        "buyer_siren": "229200506",
        "issued_at": f"{YEAR}-01-15T09:00:00Z",
        "issue_date": f"{YEAR}-01-15",
        "due_date": f"{YEAR + 1}-02-14",
        "total_ht_cents": 100_000_00,
        "total_vat_cents": 20_000_00,
        "total_ttc_cents": 120_000_00,
        "vat_breakdown": [{"rate_bp": 2000, "basis_cents": 100_000_00, "vat_cents": 20_000_00}],
        "lines": [
            {
                "position": 1,
                "prestation": "mesure",
                "label": "Service commun de mesure",
                "vat_rate_bp": 2000,
                "gross_cents": 100_000_00,
                "in_kind_cents": 0,
                "net_cents": 100_000_00,
            }
        ],
        "credited_ttc_cents": 0,
        "paid_cents": 0,
        "balance_cents": 120_000_00,
        "status": status,
        "credit_notes": [],
        **extra,
    }


NUMBER = f"GIP-{YEAR}-000001"
INVOICES = [
    invoice(1, "hds", "unpaid"),
    invoice(2, "idf", "paid", paid_cents=120_000_00, balance_cents=0),
    invoice(3, "hds", "credited", credit_notes=[f"GIP-AV-{YEAR}-000001"], balance_cents=0),
]
CREDIT_NOTE = {
    "number": f"GIP-AV-{YEAR}-000001",
    "invoice": f"GIP-{YEAR}-000003",
    "member": "hds",
    "reason": "Erreur d'effectif",
    "issued_at": f"{YEAR}-02-01T09:00:00Z",
    "issue_date": f"{YEAR}-02-01",
    "total_ht_cents": 100_000_00,
    "total_vat_cents": 20_000_00,
    "total_ttc_cents": 120_000_00,
    "vat_breakdown": [],
    "lines": [],
}


def fake_invoices(console: Console) -> respx.Route:
    listed = console.on("GET", "billing", "/api/v1/invoices").respond(
        json={"items": INVOICES, "next_cursor": None}
    )
    console.on("GET", "billing", "/api/v1/balances").respond(
        json=[
            {
                "member": "hds",
                "invoiced_ttc_cents": 240_000_00,
                "credited_ttc_cents": 120_000_00,
                "paid_cents": 0,
                "balance_cents": 120_000_00,
            },
            {
                "member": "idf",
                "invoiced_ttc_cents": 120_000_00,
                "credited_ttc_cents": 0,
                "paid_cents": 120_000_00,
                "balance_cents": 0,
            },
        ]
    )
    console.on("GET", "billing", "/api/v1/credit-notes").respond(
        json={"items": [CREDIT_NOTE], "next_cursor": None}
    )
    console.on("GET", "billing", "/api/v1/budget-years").respond(
        json={"items": [BUDGET_YEAR], "next_cursor": None}
    )
    return listed


def fake_invoice(console: Console, found: dict[str, Any] | None = None) -> None:
    console.on("GET", "billing", f"/api/v1/invoices/{NUMBER}").respond(json=found or INVOICES[0])
    console.on("GET", "billing", f"/api/v1/invoices/{NUMBER}/payments").respond(
        json=[
            {
                "id": 1,
                "invoice": NUMBER,
                "member": "hds",
                "received_on": f"{YEAR}-02-03",
                "amount_cents": 1_000_00,
                "reference": "VIR-42",
                "recorded_at": f"{YEAR}-02-04T10:00:00Z",
            }
        ]
    )


async def test_every_invoice_is_listed_with_the_balances_and_credit_notes(console):
    await gip_admin(console)
    listed = fake_invoices(console)
    page = await console.client.get("/console/admin/invoices")
    assert page.status_code == 200
    assert "Factures et paiements" in page.text
    for number in (1, 2, 3):
        assert f'href="/console/admin/invoices/GIP-{YEAR}-{number:06d}"' in page.text
    assert f'href="/console/admin/invoices/{NUMBER}/pdf" download' in page.text
    assert "Région Île-de-France" in page.text  # member names from tenants
    assert f"120{NNBSP}000,00{NBSP}€" in page.text
    assert f"240{NNBSP}000,00{NBSP}€" in page.text  # hds's balance line
    assert f'href="/console/admin/credit-notes/GIP-AV-{YEAR}-000001/pdf"' in page.text
    assert "Erreur d&#39;effectif" in page.text
    params = listed.calls.last.request.url.params
    assert "member" not in params and "year" not in params


async def test_invoices_are_filtered_by_year_member_and_status(console):
    await gip_admin(console)
    listed = fake_invoices(console)
    page = await console.client.get(f"/console/admin/invoices?year={YEAR}&member=hds&status=unpaid")
    assert page.status_code == 200
    params = listed.calls.last.request.url.params
    assert params["member"] == "hds" and params["year"] == str(YEAR)
    # billing filters by member and year; the status is filtered by the console.
    assert f'<tr data-number="{NUMBER}">' in page.text
    assert f'<tr data-number="GIP-{YEAR}-000003">' not in page.text
    assert '<option value="unpaid" selected>' in page.text
    assert '<option value="hds" selected>' in page.text
    assert "Région Île-de-France</th>" not in page.text  # only hds's balance
    bad = await console.client.get("/console/admin/invoices?status=lost")
    assert bad.status_code == 422


async def test_an_invoice_shows_its_lines_payments_and_the_payment_form(console):
    await gip_admin(console)
    fake_invoice(console)
    page = await console.client.get(f"/console/admin/invoices/{NUMBER}")
    assert page.status_code == 200
    assert f"Facture {NUMBER}" in page.text
    assert "Service commun de mesure" in page.text
    assert "VIR-42" in page.text and f"1{NNBSP}000,00{NBSP}€" in page.text
    assert f'href="/console/admin/invoices/{NUMBER}/pdf" download' in page.text
    assert f'action="/console/admin/invoices/{NUMBER}/payments"' in page.text
    for field_id in ("amount", "received_on", "reference"):
        assert f'<label for="{field_id}">' in page.text, field_id
    assert f'value="{today_paris().isoformat()}"' in page.text


async def test_a_paid_invoice_offers_no_payment_form(console):
    await gip_admin(console)
    fake_invoice(console, {**INVOICES[1], "number": NUMBER})
    page = await console.client.get(f"/console/admin/invoices/{NUMBER}")
    assert page.status_code == 200
    assert "/payments" not in page.text


async def test_an_unknown_invoice_is_not_found(console):
    await gip_admin(console)
    console.on("GET", "billing", f"/api/v1/invoices/{NUMBER}").mock(
        return_value=problem(404, f"invoice {NUMBER} not found")
    )
    page = await console.client.get(f"/console/admin/invoices/{NUMBER}")
    assert page.status_code == 404
    assert (await console.client.get("/console/admin/invoices/nope")).status_code == 422


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("1 234,56", 123_456),
        (f"1{NNBSP}234,5", 123_450),
        (f"1{NBSP}234,56 €", 123_456),
        ("1234.56", 123_456),
        ("12", 1_200),
    ],
)
async def test_recording_a_payment_sends_cents_from_a_french_amount(console, typed, cents):
    await gip_admin(console)
    paid = console.on("POST", "billing", f"/api/v1/invoices/{NUMBER}/payments").respond(
        201, json={}
    )
    csrf = await csrf_of(console)
    response = await console.client.post(
        f"/console/admin/invoices/{NUMBER}/payments",
        data={"csrf": csrf, "amount": typed, "received_on": f"{YEAR}-03-01", "reference": " V1 "},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/console/admin/invoices/{NUMBER}?ok=paid"
    assert sent_json(paid) == {
        "amount_cents": cents,
        "received_on": f"{YEAR}-03-01",
        "reference": "V1",
    }
    fake_invoice(console)
    shown = await console.client.get(response.headers["location"])
    assert "Le paiement est enregistré." in shown.text


@pytest.mark.parametrize("typed", ["", "0", "-5", "12,345", "douze", "1,2,3"])
async def test_a_payment_with_a_wrong_amount_is_not_sent(console, typed):
    await gip_admin(console)
    fake_invoice(console)
    paid = console.on("POST", "billing", f"/api/v1/invoices/{NUMBER}/payments")
    csrf = await csrf_of(console)
    response = await console.client.post(
        f"/console/admin/invoices/{NUMBER}/payments",
        data={"csrf": csrf, "amount": typed, "received_on": f"{YEAR}-03-01"},
    )
    assert response.status_code == 422
    assert 'id="amount-error"' in response.text
    assert 'aria-invalid="true" aria-describedby="amount-help amount-error"' in response.text
    assert not paid.called


async def test_a_payment_above_the_balance_shows_the_problem(console):
    await gip_admin(console)
    fake_invoice(console)
    console.on("POST", "billing", f"/api/v1/invoices/{NUMBER}/payments").mock(
        return_value=problem(409, f"{NUMBER}: 12000000 cents are due, 99999900 received")
    )
    csrf = await csrf_of(console)
    response = await console.client.post(
        f"/console/admin/invoices/{NUMBER}/payments",
        data={"csrf": csrf, "amount": "999 999", "received_on": f"{YEAR}-03-01"},
    )
    assert response.status_code == 409
    assert 'class="problem" role="alert" id="paiement-erreur"' in response.text
    assert "12000000 cents are due" in response.text
    assert 'value="999 999"' in response.text  # the form is kept


async def test_the_invoice_and_credit_note_pdfs_are_streamed_as_downloads(console):
    await gip_admin(console)
    console.on("GET", "billing", f"/api/v1/invoices/{NUMBER}/pdf").respond(
        content=b"%PDF-1.7 invoice",
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="{NUMBER}.pdf"',
        },
    )
    note = f"GIP-AV-{YEAR}-000001"
    console.on("GET", "billing", f"/api/v1/credit-notes/{note}/pdf").respond(
        content=b"%PDF-1.7 note", headers={"Content-Type": "application/pdf"}
    )
    pdf = await console.client.get(f"/console/admin/invoices/{NUMBER}/pdf")
    assert pdf.status_code == 200
    assert pdf.content == b"%PDF-1.7 invoice"
    assert pdf.headers["content-disposition"] == f'attachment; filename="{NUMBER}.pdf"'
    assert pdf.headers["content-type"] == "application/pdf"
    other = await console.client.get(f"/console/admin/credit-notes/{note}/pdf")
    assert other.content == b"%PDF-1.7 note"
    assert other.headers["content-disposition"] == f'attachment; filename="{note}.pdf"'


# --------------------------------------------------------------------------- open data

WEEK = f"{YEAR - 1}-W10"
RELEASE = {
    "week": WEEK,
    "week_start": f"{YEAR - 1}-03-02",
    "week_end": f"{YEAR - 1}-03-08",
    "rows": 1234,
    "suppressed_cells": 17,
    "method_version": "1",
    "data_cutoff": f"{YEAR - 1}-03-10T00:00:00Z",
    "published_at": f"{YEAR - 1}-03-10T08:30:00Z",
    "licence": "Licence Ouverte / Open Licence version 2.0",
    "datapackage": f"/api/v1/open-data/{WEEK}/datapackage.json",
    "files": [
        {
            "name": f"etablissements-hebdo-{WEEK}.csv",
            "media_type": "text/csv",
            "size": 2048,
            "sha256": "0" * 64,
            "href": f"/api/v1/open-data/{WEEK}/etablissements-hebdo-{WEEK}.csv",
        },
        {
            "name": f"etablissements-hebdo-{WEEK}.parquet",
            "media_type": "application/vnd.apache.parquet",
            "size": 900,
            "sha256": "1" * 64,
            "href": f"/api/v1/open-data/{WEEK}/etablissements-hebdo-{WEEK}.parquet",
        },
        {
            "name": "datapackage.json",
            "media_type": "application/json",
            "size": 500,
            "sha256": "2" * 64,
            "href": "https://elsewhere.example/datapackage.json",
        },
    ],
}


def fake_releases(console: Console) -> None:
    console.on("GET", "reports", "/api/v1/open-data").respond(
        json={"items": [RELEASE], "next_cursor": None}
    )


async def test_published_weeks_are_listed_with_links_to_their_files(console):
    await gip_admin(console)
    fake_releases(console)
    page = await console.client.get("/console/admin/open-data")
    assert page.status_code == 200
    assert "Données ouvertes" in page.text
    base = f"/api/v1/open-data/{WEEK}"
    assert f'href="{base}/etablissements-hebdo-{WEEK}.csv" download' in page.text
    assert f'href="{base}/etablissements-hebdo-{WEEK}.parquet" download' in page.text
    assert f'href="{base}/datapackage.json"' in page.text
    assert "elsewhere.example" not in page.text  # only the API's own paths become links
    assert f"1{NNBSP}234" in page.text and "2 Ko" in page.text
    assert 'action="/console/admin/open-data"' in page.text
    assert '<label for="week">' in page.text


@pytest.mark.parametrize(("status", "ok"), [(201, "published"), (200, "already")])
async def test_publishing_a_week_puts_it(console, status, ok):
    await gip_admin(console)
    put = console.on("PUT", "reports", f"/api/v1/open-data/{WEEK}").respond(status, json=RELEASE)
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/open-data", data={"csrf": csrf, "week": f" {WEEK.lower()} "}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/admin/open-data?ok={ok}&week={WEEK}"
    assert put.called and put.calls.last.request.content == b""
    fake_releases(console)
    shown = await console.client.get(response.headers["location"])
    assert f'<tr data-week="{WEEK}" class="highlight">' in shown.text
    assert ("La semaine est publiée." in shown.text) == (status == 201)


async def test_a_week_not_closed_shows_the_problem(console):
    await gip_admin(console)
    fake_releases(console)
    console.on("PUT", "reports", f"/api/v1/open-data/{YEAR}-W52").mock(
        return_value=problem(409, f"week {YEAR}-W52 is not closed yet")
    )
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/open-data", data={"csrf": csrf, "week": f"{YEAR}-W52"}
    )
    assert response.status_code == 409
    assert 'id="publier-erreur"' in response.text
    assert f"week {YEAR}-W52 is not closed yet" in response.text
    assert f'value="{YEAR}-W52"' in response.text


async def test_a_wrong_week_is_not_sent(console):
    await gip_admin(console)
    fake_releases(console)
    put = console.mock.route(method="PUT")
    csrf = await csrf_of(console)
    response = await console.client.post(
        "/console/admin/open-data", data={"csrf": csrf, "week": "2026-10"}
    )
    assert response.status_code == 422
    assert 'id="week-error"' in response.text
    assert not put.called


@pytest.mark.parametrize(
    ("today", "week"),
    [
        ("2026-03-10", "2026-W10"),  # Tuesday: the week ending Sunday 8 is closed
        ("2026-03-09", "2026-W09"),  # Monday: the last Sunday is not a day old yet
        ("2026-03-15", "2026-W10"),  # Sunday
        ("2026-01-13", "2026-W02"),
    ],
)
def test_the_week_offered_is_the_last_closed_one(today, week):
    from datetime import date

    from gateway.console.admin.open_data import last_closed_week

    assert last_closed_week(date.fromisoformat(today)) == week
