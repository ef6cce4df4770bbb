"""The member administrator's console pages (subscriptions, invoices, synthesis notes, API
clients, users) with the services' APIs and the IdP's token endpoint faked by respx: each page
opens to the right roles only, forms need the session's CSRF token, posts send the API the
right body, and the APIs' problems are shown next to the form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
import respx
from console_fakes import NBSP, NNBSP, Console, problem, sent_json

from gateway.console.formatting import today_paris

pytestmark = pytest.mark.anyio

YEAR = today_paris().year
NOTE_ID = "0123456789abcdef0123456789abcdef"


async def admin_of_hds(console: Console) -> None:
    await console.log_in("member-admin", organization=["hds"])


# --------------------------------------------------------------------------- roles and CSRF

ADMIN_PAGES = ("/console/subscriptions", "/console/invoices", "/console/clients", "/console/users")


async def test_pages_need_a_session(console):
    for page in (*ADMIN_PAGES, "/console/notes", "/console/contribution"):
        response = await console.client.get(page)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/console/login?next=")


async def test_the_viewer_cannot_reach_the_administrators_pages(console):
    await console.log_in("member-viewer", organization=["hds"])
    console.on("GET", "reports", "/api/v1/notes").respond(json={"items": [], "next_cursor": None})
    for page in ADMIN_PAGES:
        refused = await console.client.get(page)
        assert refused.status_code == 403, page
        assert "Accès refusé" in refused.text
    notes = await console.client.get("/console/notes")
    assert notes.status_code == 200
    # The viewer reads notes but is offered neither the generation form nor admin pages.
    assert "Générer la note" not in notes.text
    for page in ADMIN_PAGES:
        assert f'href="{page}"' not in notes.text
    assert 'href="/console/notes"' in notes.text
    csrf = await console.csrf()
    posted = await console.client.post(
        "/console/notes",
        data={"csrf": csrf, "scope": "member:hds", "period": f"{YEAR}-Q1"},
    )
    assert posted.status_code == 403


async def test_the_member_administrator_has_the_pages_in_its_navigation(console):
    await admin_of_hds(console)
    console.on("GET", "reports", "/api/v1/notes").respond(json={"items": [], "next_cursor": None})
    page = await console.client.get("/console/notes")
    for link in (*ADMIN_PAGES, "/console/notes", "/console/contribution"):
        assert f'href="{link}"' in page.text
    assert 'href="/console/admin/members"' not in page.text
    assert '<a href="/console/notes" aria-current="page">' in page.text


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/console/subscriptions", {"prestation": "notes-synthese", "year": str(YEAR)}),
        ("/console/subscriptions/7/cancel", {}),
        ("/console/notes", {"scope": "member:hds", "period": f"{YEAR}-Q1"}),
        ("/console/clients", {"kind": "partner"}),
        ("/console/clients/hds-partner/rotate", {}),
        ("/console/clients/hds-partner/disable", {}),
        ("/console/users", {"email": "a@hds.fr", "role": "member-viewer"}),
    ],
)
async def test_forms_without_the_csrf_token_are_refused(console, path, data):
    await admin_of_hds(console)
    before = len(console.mock.calls)
    for token in (None, "wrong"):
        sent = {**data, **({"csrf": token} if token else {})}
        response = await console.client.post(path, data=sent)
        assert response.status_code == 403
        assert "Formulaire expiré" in response.text
    # Refused before any service was called (not even to read the member).
    assert len(console.mock.calls) == before


async def test_another_members_pages_are_not_found(console):
    await admin_of_hds(console)
    subs = console.on("GET", "billing", "/api/v1/subscriptions")
    response = await console.client.get("/console/subscriptions?member=idf")
    assert response.status_code == 404
    assert "Membre introuvable" in response.text
    assert not subs.called


# --------------------------------------------------------------------------- subscriptions

CATALOGUE = [
    {
        "year": YEAR,
        "code": "mesure",
        "label": "Service commun de mesure",
        "kind": "base",
        "cost_cents": 32_700_000,
        "key": "students",
        "unit_price_cents": 0,
        "vat_rate_bp": 0,
    },
    {
        "year": YEAR,
        "code": "notes-synthese",
        "label": "Notes de synthèse trimestrielles",
        "kind": "option",
        "cost_cents": 0,
        "key": "fixed_price",
        "unit_price_cents": 300_000,
        "vat_rate_bp": 2000,
    },
    {
        "year": YEAR,
        "code": "open-data",
        "label": "Exports open data",
        "kind": "option",
        "cost_cents": 1_200_000,
        "key": "equal",
        "unit_price_cents": 0,
        "vat_rate_bp": 2000,
    },
]
SUBSCRIPTION = {
    "id": 7,
    "member": "hds",
    "project": None,
    "year": YEAR,
    "prestation": "notes-synthese",
    "starts_on": f"{YEAR}-07-02",
    "ends_on": None,
    "status": "active",
    "days": 183,
    "period_days": 365,
    "cancelled_at": None,
    "created_at": f"{YEAR}-07-02T08:00:00Z",
}


def fake_billing_year(console: Console) -> respx.Route:
    console.on("GET", "billing", "/api/v1/budget-years").respond(
        json={"items": [{"year": YEAR, "label": f"Exercice {YEAR}"}], "next_cursor": None}
    )
    console.on("GET", "billing", f"/api/v1/budget-years/{YEAR}/prestations").respond(json=CATALOGUE)
    return console.on("GET", "billing", "/api/v1/subscriptions").respond(
        json={"items": [SUBSCRIPTION], "next_cursor": None}
    )


async def test_subscriptions_show_the_price_each_implies(console):
    await admin_of_hds(console)
    listed = fake_billing_year(console)
    page = await console.client.get("/console/subscriptions")
    assert page.status_code == 200
    assert "Abonnements du Département des Hauts-de-Seine" in page.text
    assert listed.calls.last.request.url.params["member"] == "hds"
    assert listed.calls.last.request.url.params["year"] == str(YEAR)
    text = page.text
    assert "Notes de synthèse trimestrielles" in text
    # 3 000 € a year, 183 days of 365: 1 504,11 € HT, with 20 % VAT 1 804,93 € TTC.
    assert f"1{NNBSP}504,11{NBSP}€ HT (1{NNBSP}804,93{NBSP}€ TTC) pour 183 jours sur 365" in text
    assert f"Prix fixe de 3{NNBSP}000,00{NBSP}€ HT par an" in text
    assert (
        f"Coût annuel de 12{NNBSP}000,00{NBSP}€ HT partagé entre les abonnés à parts égales" in text
    )
    assert f"TVA 20{NNBSP}%" in text
    assert f"{SUBSCRIPTION['starts_on'][8:10].lstrip('0')} juillet {YEAR}" in text
    # The form: options only (not the base), the member's projects, labelled, with the token.
    assert '<option value="notes-synthese"' in text and '<option value="mesure"' not in text
    assert '<option value="ent-hds"' in text
    for field_id in ("prestation", "project", "starts_on"):
        assert f'<label for="{field_id}">' in text
    assert 'name="csrf"' in text
    assert "/console/subscriptions/7/cancel?member=hds" in text
    assert 'id="member-picker"' not in text  # a member administrator has nothing to pick


async def test_the_gip_administrator_picks_the_member(console):
    await console.log_in("gip-admin")
    listed = fake_billing_year(console)
    page = await console.client.get("/console/subscriptions?member=idf")
    assert page.status_code == 200
    assert 'id="member-picker"' in page.text
    assert '<option value="idf" selected>' in page.text
    assert listed.calls.last.request.url.params["member"] == "idf"


async def test_subscribing_posts_the_option_and_start_date(console):
    await admin_of_hds(console)
    fake_billing_year(console)
    created = console.on("POST", "billing", "/api/v1/subscriptions").respond(201, json=SUBSCRIPTION)
    csrf = await console.csrf("/console/subscriptions")
    response = await console.client.post(
        "/console/subscriptions",
        data={
            "csrf": csrf,
            "member": "hds",
            "year": str(YEAR),
            "prestation": "notes-synthese",
            "project": "ent-hds",
            "starts_on": f"{YEAR}-07-02",
        },
    )
    assert response.status_code == 303
    assert (
        response.headers["location"]
        == f"/console/subscriptions?member=hds&ok=subscribed&year={YEAR}"
    )
    assert sent_json(created) == {
        "member": "hds",
        "year": YEAR,
        "prestation": "notes-synthese",
        "project": "ent-hds",
        "starts_on": f"{YEAR}-07-02",
    }
    request = created.calls.last.request
    assert request.headers["authorization"].startswith("Bearer ")
    shown = await console.client.get(response.headers["location"])
    assert "L&#39;abonnement est enregistré." in shown.text


async def test_a_refused_subscription_shows_the_problem_next_to_the_form(console):
    await admin_of_hds(console)
    fake_billing_year(console)
    console.on("POST", "billing", "/api/v1/subscriptions").mock(
        return_value=problem(409, "subscription 7 already covers part of these days")
    )
    csrf = await console.csrf("/console/subscriptions")
    response = await console.client.post(
        "/console/subscriptions",
        data={"csrf": csrf, "year": str(YEAR), "prestation": "notes-synthese"},
    )
    assert response.status_code == 409
    assert 'class="problem" role="alert"' in response.text
    assert "Conflit" in response.text
    assert "subscription 7 already covers part of these days" in response.text
    assert '<option value="notes-synthese" selected>' in response.text  # the choice is kept


async def test_a_subscription_without_option_is_not_sent(console):
    await admin_of_hds(console)
    fake_billing_year(console)
    created = console.on("POST", "billing", "/api/v1/subscriptions")
    csrf = await console.csrf("/console/subscriptions")
    response = await console.client.post(
        "/console/subscriptions", data={"csrf": csrf, "year": str(YEAR), "prestation": ""}
    )
    assert response.status_code == 422
    assert 'aria-invalid="true" aria-describedby="prestation-error"' in response.text
    assert not created.called


async def test_cancelling_asks_for_confirmation_then_posts_the_last_day(console):
    await admin_of_hds(console)
    fake_billing_year(console)
    console.on("GET", "billing", "/api/v1/subscriptions/7").respond(json=SUBSCRIPTION)
    confirm = await console.client.get("/console/subscriptions/7/cancel")
    assert confirm.status_code == 200
    assert "Confirmer la résiliation" in confirm.text
    assert '<label for="last_day">' in confirm.text
    cancelled = console.on("POST", "billing", "/api/v1/subscriptions/7/cancel").respond(
        json={**SUBSCRIPTION, "ends_on": f"{YEAR}-10-31"}
    )
    csrf = await console.csrf("/console/subscriptions")
    response = await console.client.post(
        "/console/subscriptions/7/cancel",
        data={"csrf": csrf, "member": "hds", "last_day": f"{YEAR}-10-31"},
    )
    assert response.status_code == 303
    assert "ok=cancelled" in response.headers["location"]
    assert sent_json(cancelled) == {"last_day": f"{YEAR}-10-31"}


async def test_a_refused_cancellation_is_shown_on_the_confirmation(console):
    await admin_of_hds(console)
    console.on("GET", "billing", "/api/v1/subscriptions/7").respond(json=SUBSCRIPTION)
    console.on("POST", "billing", "/api/v1/subscriptions/7/cancel").mock(
        return_value=problem(409, "subscription 7 is already cancelled")
    )
    console.on("GET", "reports", "/api/v1/notes").respond(json={"items": [], "next_cursor": None})
    csrf = await console.csrf()
    response = await console.client.post(
        "/console/subscriptions/7/cancel", data={"csrf": csrf, "last_day": f"{YEAR}-10-31"}
    )
    assert response.status_code == 409
    assert "subscription 7 is already cancelled" in response.text
    assert "Confirmer la résiliation" in response.text


async def test_another_members_subscription_cannot_be_cancelled(console):
    await admin_of_hds(console)
    console.on("GET", "billing", "/api/v1/subscriptions/8").mock(
        return_value=problem(404, "subscription not found")
    )
    cancel = console.on("POST", "billing", "/api/v1/subscriptions/8/cancel")
    response = await console.client.get("/console/subscriptions/8/cancel")
    assert response.status_code == 404
    assert not cancel.called


# --------------------------------------------------------------------------- invoices

INVOICE = {
    "number": f"GIP-{YEAR}-000012",
    "year": YEAR,
    "run_id": 3,
    "member": "hds",
    "buyer_name": "Département des Hauts-de-Seine",
    "issue_date": f"{YEAR}-03-02",
    "due_date": f"{YEAR}-04-01",
    "total_ht_cents": 1_234_567,
    "total_vat_cents": 246_913,
    "total_ttc_cents": 1_481_480,
    "credited_ttc_cents": 0,
    "paid_cents": 500_000,
    "balance_cents": 981_480,
    "status": "partial",
    "credit_notes": [],
    "lines": [],
}


async def test_invoices_show_status_balance_and_the_pdf_link(console):
    await admin_of_hds(console)
    listed = console.on("GET", "billing", "/api/v1/invoices").respond(
        json={"items": [INVOICE], "next_cursor": None}
    )
    console.on("GET", "billing", "/api/v1/budget-years").respond(
        json={"items": [{"year": YEAR}], "next_cursor": None}
    )
    console.on("GET", "billing", "/api/v1/balances").respond(
        json=[
            {
                "member": "hds",
                "invoiced_ttc_cents": 1_481_480,
                "credited_ttc_cents": 0,
                "paid_cents": 500_000,
                "balance_cents": 981_480,
            }
        ]
    )
    page = await console.client.get("/console/invoices")
    assert page.status_code == 200
    assert listed.calls.last.request.url.params["member"] == "hds"
    text = page.text
    assert INVOICE["number"] in text
    assert f"12{NNBSP}345,67{NBSP}€" in text  # HT
    assert f"14{NNBSP}814,80{NBSP}€" in text  # TTC
    assert f"9{NNBSP}814,80{NBSP}€" in text  # balance
    assert "Payée en partie" in text
    assert f'href="/console/invoices/{INVOICE["number"]}/pdf"' in text
    assert f"2 mars {YEAR}" in text


async def test_the_invoice_pdf_is_streamed_from_billing_as_a_download(console):
    await admin_of_hds(console)
    number = INVOICE["number"]
    pdf = console.on("GET", "billing", f"/api/v1/invoices/{number}/pdf").respond(
        content=b"%PDF-1.7 fake",
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="{number}.pdf"',
        },
    )
    response = await console.client.get(f"/console/invoices/{number}/pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="{number}.pdf"'
    assert "no-store" in response.headers["cache-control"]
    sent = pdf.calls.last.request
    assert sent.headers["accept"] == "application/pdf"
    assert sent.headers["authorization"].startswith("Bearer ")


async def test_an_invoice_billing_refuses_is_not_downloaded(console):
    await admin_of_hds(console)
    console.on("GET", "billing", "/api/v1/invoices/GIP-2026-000099/pdf").mock(
        return_value=problem(404, "invoice GIP-2026-000099 not found")
    )
    response = await console.client.get("/console/invoices/GIP-2026-000099/pdf")
    assert response.status_code == 404
    assert "%PDF" not in response.text
    # Only invoice numbers reach billing's URL.
    assert (await console.client.get("/console/invoices/..%2Fsecret/pdf")).status_code in (
        404,
        422,
    )


# --------------------------------------------------------------------------- notes

NOTE = {
    "id": NOTE_ID,
    "scope": "member:hds",
    "scope_label": "Département des Hauts-de-Seine",
    "period": {
        "kind": "quarter",
        "label": f"{YEAR}-Q1",
        "start": f"{YEAR}-01-01",
        "end": f"{YEAR}-03-31",
    },
    "method_version": "1",
    "data_cutoff": f"{YEAR}-04-01T00:00:00Z",
    "figures_sha256": "0" * 64,
    "trigger": "request",
    "created_at": f"{YEAR}-04-02T09:30:00Z",
}


def fake_notes(console: Console) -> respx.Route:
    return console.on("GET", "reports", "/api/v1/notes").respond(
        json={"items": [NOTE], "next_cursor": None}
    )


async def test_notes_are_listed_with_the_generation_form(console):
    await admin_of_hds(console)
    listed = fake_notes(console)
    page = await console.client.get("/console/notes")
    assert page.status_code == 200
    assert listed.calls.last.request.url.params["member"] == "hds"
    text = page.text
    assert f"1er trimestre {YEAR}" in text
    assert f'href="/console/notes/{NOTE_ID}/pdf"' in text
    assert '<option value="member:hds"' in text
    assert '<option value="project:ent-hds"' in text
    assert f'<option value="{today_paris().year}-Q' in text
    assert '<label for="scope">' in text and '<label for="period">' in text


async def test_generating_a_note_posts_scope_and_quarter(console):
    await admin_of_hds(console)
    fake_notes(console)
    made = console.on("POST", "reports", "/api/v1/notes").respond(201, json=NOTE)
    csrf = await console.csrf()
    response = await console.client.post(
        "/console/notes",
        data={"csrf": csrf, "member": "hds", "scope": "project:ent-hds", "period": f"{YEAR}-Q1"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/notes?member=hds&ok=generated&note={NOTE_ID}"
    assert sent_json(made) == {"scope": "project:ent-hds", "period": f"{YEAR}-Q1"}
    shown = await console.client.get(response.headers["location"])
    assert "La note de synthèse est prête" in shown.text
    assert 'class="highlight"' in shown.text


async def test_a_note_of_a_scope_not_offered_is_not_asked_for(console):
    await admin_of_hds(console)
    fake_notes(console)
    made = console.on("POST", "reports", "/api/v1/notes")
    csrf = await console.csrf()
    for data in (
        {"scope": "project:someone-elses", "period": f"{YEAR}-Q1"},
        {"scope": "national", "period": f"{YEAR}-Q1"},
        {"scope": "member:hds", "period": "2025-2026"},
    ):
        response = await console.client.post("/console/notes", data={"csrf": csrf, **data})
        assert response.status_code == 422
    assert not made.called


async def test_a_missing_subscription_is_said_in_french_naming_the_prestation(console):
    await admin_of_hds(console)
    fake_notes(console)
    console.on("GET", "billing", f"/api/v1/budget-years/{YEAR}/prestations").respond(json=CATALOGUE)
    console.on("POST", "reports", "/api/v1/notes").mock(
        return_value=problem(
            403,
            "the prestation notes-synthese (notes de synthèse) is not subscribed for member:hds",
            prestation="notes-synthese",
        )
    )
    csrf = await console.csrf()
    response = await console.client.post(
        "/console/notes", data={"csrf": csrf, "scope": "member:hds", "period": f"{YEAR}-Q1"}
    )
    assert response.status_code == 403
    assert "Prestation non souscrite" in response.text
    assert (
        "Ce périmètre n&#39;est pas abonné à la prestation « Notes de synthèse trimestrielles » "
        "(notes-synthese)" in response.text
    )
    assert "Souscrivez-la dans la page Abonnements" in response.text


async def test_other_note_problems_are_shown_as_the_api_says(console):
    await admin_of_hds(console)
    fake_notes(console)
    console.on("POST", "reports", "/api/v1/notes").mock(
        return_value=problem(503, "the measure service is unavailable")
    )
    csrf = await console.csrf()
    response = await console.client.post(
        "/console/notes", data={"csrf": csrf, "scope": "member:hds", "period": f"{YEAR}-Q1"}
    )
    assert response.status_code == 502
    assert "the measure service is unavailable" in response.text


async def test_the_note_pdf_is_streamed_from_reports(console):
    await console.log_in("member-viewer", organization=["hds"])
    pdf = console.on("GET", "reports", f"/api/v1/notes/{NOTE_ID}").respond(
        content=b"%PDF-1.7 note",
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": 'inline; filename="note-member-hds-2026-Q1.pdf"',
        },
    )
    response = await console.client.get(f"/console/notes/{NOTE_ID}/pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="note-member-hds-2026-Q1.pdf"'
    )
    assert pdf.calls.last.request.headers["accept"] == "application/pdf"


async def test_a_note_no_longer_subscribed_is_refused_in_french(console):
    await console.log_in("member-viewer", organization=["hds"])
    console.on("GET", "reports", f"/api/v1/notes/{NOTE_ID}").mock(
        return_value=problem(403, "not subscribed", prestation="notes-synthese")
    )
    console.on("GET", "billing", f"/api/v1/budget-years/{YEAR}/prestations").mock(
        return_value=problem(404, "no such year")
    )
    response = await console.client.get(f"/console/notes/{NOTE_ID}/pdf")
    assert response.status_code == 403
    assert "« Notes de synthèse » (notes-synthese)" in response.text
    assert "Demandez à l&#39;administrateur de votre organisation" in response.text


# --------------------------------------------------------------------------- API clients

CLIENT = {
    "client_id": "hds-partner-1a2b",
    "member": "hds",
    "kind": "partner",
    "name": "Labo de recherche",
    "enabled": True,
    "created_at": f"{YEAR}-01-05T10:00:00Z",
    "secret_rotated_at": f"{YEAR}-01-05T10:00:00Z",
    "disabled_at": None,
}


def fake_clients(console: Console) -> respx.Route:
    return console.on("GET", "tenants", "/api/v1/clients").respond(
        json={"items": [CLIENT], "next_cursor": None}
    )


async def test_clients_are_listed_with_the_creation_form(console):
    await admin_of_hds(console)
    listed = fake_clients(console)
    page = await console.client.get("/console/clients")
    assert page.status_code == 200
    assert listed.calls.last.request.url.params["member"] == "hds"
    assert "hds-partner-1a2b" in page.text and "Partenaire" in page.text
    assert "/console/clients/hds-partner-1a2b/rotate?member=hds" in page.text
    assert "/console/clients/hds-partner-1a2b/disable?member=hds" in page.text
    assert (
        '<label for="kind-partner">' in page.text and '<label for="kind-ent-ingest">' in page.text
    )


async def test_creating_a_client_shows_its_secret_once_on_a_page_never_cached(console):
    await admin_of_hds(console)
    fake_clients(console)
    created = console.on("POST", "tenants", "/api/v1/clients").respond(
        201, json={**CLIENT, "client_secret": "s3cr3t-value", "secret_already_shown": False}
    )
    page = await console.client.get("/console/clients")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
    response = await console.client.post(
        "/console/clients",
        data={
            "csrf": csrf,
            "member": "hds",
            "kind": "partner",
            "name": "Labo de recherche",
            "idempotency_key": key,
        },
    )
    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    assert 'value="s3cr3t-value"' in response.text
    assert 'data-copy="client-secret"' in response.text
    assert "n'est affiché qu'une fois" in response.text
    assert sent_json(created) == {"member": "hds", "kind": "partner", "name": "Labo de recherche"}
    assert created.calls.last.request.headers["idempotency-key"] == key
    # The list never shows a secret.
    assert "s3cr3t-value" not in (await console.client.get("/console/clients")).text


async def test_a_replayed_creation_says_the_secret_was_already_shown(console):
    await admin_of_hds(console)
    fake_clients(console)
    console.on("POST", "tenants", "/api/v1/clients").respond(
        201, json={**CLIENT, "client_secret": None, "secret_already_shown": True}
    )
    csrf = await console.csrf("/console/clients")
    response = await console.client.post("/console/clients", data={"csrf": csrf, "kind": "partner"})
    assert "déjà été créé" in response.text
    assert 'id="client-secret"' not in response.text


async def test_a_refused_creation_shows_the_problem(console):
    await admin_of_hds(console)
    fake_clients(console)
    console.on("POST", "tenants", "/api/v1/clients").mock(
        return_value=problem(
            422,
            "The request is not valid; see errors.",
            errors=[{"field": "body.name", "reason": "string does not match the pattern"}],
        )
    )
    csrf = await console.csrf("/console/clients")
    response = await console.client.post(
        "/console/clients", data={"csrf": csrf, "kind": "ent-ingest", "name": " x"}
    )
    assert response.status_code == 422
    assert "Données refusées" in response.text
    assert 'id="name-error">string does not match the pattern' in response.text
    assert 'value="ent-ingest" required checked' in response.text


async def test_rotating_a_secret_asks_first_then_shows_the_new_one(console):
    await admin_of_hds(console)
    console.on("GET", "tenants", f"/api/v1/clients/{CLIENT['client_id']}").respond(json=CLIENT)
    confirm = await console.client.get(f"/console/clients/{CLIENT['client_id']}/rotate")
    assert confirm.status_code == 200
    assert "l&#39;ancien cesse" in confirm.text
    rotated = console.on(
        "POST", "tenants", f"/api/v1/clients/{CLIENT['client_id']}/secret"
    ).respond(json={**CLIENT, "client_secret": "n3w-s3cr3t"})
    csrf = re.search(r'name="csrf" value="([^"]+)"', confirm.text).group(1)
    response = await console.client.post(
        f"/console/clients/{CLIENT['client_id']}/rotate", data={"csrf": csrf, "member": "hds"}
    )
    assert response.status_code == 200
    assert rotated.called
    assert response.headers["cache-control"] == "no-store"
    assert 'value="n3w-s3cr3t"' in response.text


async def test_disabling_a_client(console):
    await admin_of_hds(console)
    console.on("GET", "tenants", f"/api/v1/clients/{CLIENT['client_id']}").respond(json=CLIENT)
    disabled = console.on(
        "POST", "tenants", f"/api/v1/clients/{CLIENT['client_id']}/disable"
    ).respond(json={**CLIENT, "enabled": False})
    csrf = await console.csrf(f"/console/clients/{CLIENT['client_id']}/disable")
    response = await console.client.post(
        f"/console/clients/{CLIENT['client_id']}/disable", data={"csrf": csrf}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/clients?member=hds&ok=disabled"
    assert disabled.called


async def test_a_failed_disable_shows_the_problem(console):
    await admin_of_hds(console)
    console.on("GET", "tenants", f"/api/v1/clients/{CLIENT['client_id']}").respond(json=CLIENT)
    console.on("POST", "tenants", f"/api/v1/clients/{CLIENT['client_id']}/disable").mock(
        return_value=problem(503, "the identity provider is unavailable")
    )
    csrf = await console.csrf(f"/console/clients/{CLIENT['client_id']}/disable")
    response = await console.client.post(
        f"/console/clients/{CLIENT['client_id']}/disable", data={"csrf": csrf}
    )
    assert response.status_code == 502
    assert "the identity provider is unavailable" in response.text


async def test_another_members_client_is_not_shown(console):
    await admin_of_hds(console)
    console.on("GET", "tenants", "/api/v1/clients/idf-partner").respond(
        json={**CLIENT, "client_id": "idf-partner", "member": "idf"}
    )
    response = await console.client.get("/console/clients/idf-partner/rotate")
    assert response.status_code == 404


# --------------------------------------------------------------------------- users

USER = {
    "id": "0b6f4e2c-1111-2222-3333-444455556666",
    "username": "hds-viewer",
    "email": "lecteur@hds.fr",
    "first_name": "Léa",
    "last_name": "Lecture",
    "enabled": True,
    "roles": ["member-viewer"],
}


def fake_users(console: Console) -> respx.Route:
    return console.on("GET", "tenants", "/api/v1/members/hds/users").respond(
        json={"items": [USER], "next_cursor": None}
    )


async def test_users_are_listed_with_the_invitation_form(console):
    await admin_of_hds(console)
    fake_users(console)
    page = await console.client.get("/console/users")
    assert page.status_code == 200
    assert "hds-viewer" in page.text and "Léa Lecture" in page.text and "Lecteur" in page.text
    for field_id in ("email", "role-member-admin", "role-member-viewer", "username"):
        assert f'<label for="{field_id}">' in page.text


async def test_inviting_a_viewer_posts_to_tenants(console):
    await admin_of_hds(console)
    fake_users(console)
    invited = console.on("POST", "tenants", "/api/v1/members/hds/users").respond(
        201, json={**USER, "invitation_sent": True}
    )
    csrf = await console.csrf("/console/users")
    response = await console.client.post(
        "/console/users",
        data={
            "csrf": csrf,
            "member": "hds",
            "email": " lea@hds.fr ",
            "role": "member-viewer",
            "first_name": "Léa",
            "idempotency_key": "k" * 24,
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/users?member=hds&ok=invited"
    assert sent_json(invited) == {
        "email": "lea@hds.fr",
        "role": "member-viewer",
        "first_name": "Léa",
    }
    assert invited.calls.last.request.headers["idempotency-key"] == "k" * 24


async def test_an_invitation_without_role_is_not_sent(console):
    await admin_of_hds(console)
    fake_users(console)
    invited = console.on("POST", "tenants", "/api/v1/members/hds/users")
    csrf = await console.csrf("/console/users")
    response = await console.client.post(
        "/console/users", data={"csrf": csrf, "email": "not-an-address", "role": "gip-admin"}
    )
    assert response.status_code == 422
    assert 'id="email-error"' in response.text and 'id="role-error"' in response.text
    assert 'value="not-an-address"' in response.text
    assert not invited.called


async def test_a_refused_invitation_shows_the_problem(console):
    await admin_of_hds(console)
    fake_users(console)
    console.on("POST", "tenants", "/api/v1/members/hds/users").mock(
        return_value=problem(409, "a user with this e-mail already exists")
    )
    csrf = await console.csrf("/console/users")
    response = await console.client.post(
        "/console/users", data={"csrf": csrf, "email": "lea@hds.fr", "role": "member-admin"}
    )
    assert response.status_code == 409
    assert "a user with this e-mail already exists" in response.text
    assert 'value="lea@hds.fr"' in response.text


# --------------------------------------------------------------------------- contribution


def allocation_run(run_id: int, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": run_id,
        "year": YEAR,
        "status": status,
        "reference_date": f"{YEAR}-01-01",
        "shares": {"cdc": 1, "state": 1, "collectivites": 1},
        "colleges": {"collectivites": 10_900_000},
        "cost_cents": 32_700_000,
        "called_cents": 32_700_000,
        "warnings": [],
        "error": None,
        "note": None,
        "sources": {},
        "created_by": "admin",
        "created_at": f"{YEAR}-01-05T09:00:00Z",
        "computed_at": f"{YEAR}-01-05T09:00:10Z",
        "approved_by": "admin" if status == "approved" else None,
        "approved_at": f"{YEAR}-01-06T10:00:00Z" if status == "approved" else None,
        "superseded_by": None,
        **extra,
    }


ALLOCATION_LINE = {
    "member": "hds",
    "prestation": "mesure",
    "college": "collectivites",
    "key": "students",
    "key_value": 150_000,
    "key_total": 450_000,
    "days": 300,
    "period_days": 365,
    "weight": "150000/1",
    "weight_total": "450000/1",
    "fraction": "1/3",
    "pool_cents": 10_900_000,
    "exact_cents": "10900000/3",
    "exact_euros": "36333.333333",
    "amount_cents": 3_633_333,
    "in_kind_cents": 100_000,
    "net_cents": 3_533_333,
    "explanation": "mesure (collectivites): 109000.00 € shared by students; 150000 of 450000",
}
MEMBER_TOTAL = {
    "member": "hds",
    "name": "Département des Hauts-de-Seine",
    "kind": "departement",
    "college": "collectivites",
    "public": True,
    "gross_cents": 3_633_333,
    "in_kind_cents": 100_000,
    "deducted_cents": 100_000,
    "excess_cents": 0,
    "net_cents": 3_533_333,
}


@dataclass
class Allocations:
    runs: respx.Route
    lines: respx.Route
    totals: respx.Route


def fake_allocations(
    console: Console, runs: list[dict[str, Any]], *, shown: int = 6, lines: Any = None
) -> Allocations:
    console.on("GET", "billing", "/api/v1/budget-years").respond(
        json={"items": [{"year": YEAR}], "next_cursor": None}
    )
    console.on("GET", "billing", f"/api/v1/budget-years/{YEAR}/prestations").respond(json=CATALOGUE)
    listed = console.on("GET", "billing", "/api/v1/allocations").respond(
        json={"items": runs, "next_cursor": None}
    )
    found = console.on("GET", "billing", f"/api/v1/allocations/{shown}/lines").respond(
        json={"items": [ALLOCATION_LINE] if lines is None else lines, "next_cursor": None}
    )
    totals = console.on("GET", "billing", f"/api/v1/allocations/{shown}/members").respond(
        json=[MEMBER_TOTAL]
    )
    return Allocations(listed, found, totals)


async def test_the_contribution_shows_the_latest_approved_run_with_each_lines_explanation(
    console,
):
    await admin_of_hds(console)
    # A newer draft exists, but the approved run is the one that counts.
    other_line = {**ALLOCATION_LINE, "member": "idf", "prestation": "open-data"}
    calls = fake_allocations(
        console,
        [allocation_run(6, "approved"), allocation_run(7, "draft"), allocation_run(8, "failed")],
        lines=[ALLOCATION_LINE, other_line],
    )
    draft_lines = console.on("GET", "billing", "/api/v1/allocations/7/lines")
    page = await console.client.get("/console/contribution")
    assert page.status_code == 200
    assert calls.runs.calls.last.request.url.params["year"] == str(YEAR)
    assert calls.lines.calls.last.request.url.params["member"] == "hds"
    assert calls.totals.called
    assert not draft_lines.called
    text = page.text
    assert f"Contribution du Département des Hauts-de-Seine — exercice {YEAR}" in text
    assert 'data-status="approved"' in text and "Approuvée" in text
    assert "pas encore approuvé" not in text
    assert "Service commun de mesure" in text and "Collectivités" in text and "élèves" in text
    assert f"150{NNBSP}000" in text and f"450{NNBSP}000" in text  # key value and total
    assert f'<abbr title="1/3">33,3{NNBSP}%</abbr>' in text  # the exact fraction on hover
    assert f"36{NNBSP}333,333333{NBSP}€" in text  # before rounding
    assert f"36{NNBSP}333,33{NBSP}€" in text  # after rounding
    assert "300 / 365" in text  # pro-rated days
    assert f"−1{NNBSP}000,00{NBSP}€" in text  # in kind
    assert f"35{NNBSP}333,33{NBSP}€" in text  # net, and the member's total
    assert ALLOCATION_LINE["explanation"].replace("'", "&#39;") in text
    # Whatever billing answers, another member's line is not shown.
    assert 'data-prestation="open-data"' not in text
    assert 'id="member-picker"' not in text
    assert "/console/contribution?member=hds&amp;run=7" in text  # the other computed run
    assert "/console/contribution?member=hds&amp;run=8" not in text  # failed: no lines


async def test_a_draft_is_shown_as_such_when_no_run_is_approved(console):
    await admin_of_hds(console)
    fake_allocations(console, [allocation_run(5, "draft"), allocation_run(6, "draft")])
    page = await console.client.get("/console/contribution")
    assert page.status_code == 200
    assert 'data-status="draft"' in page.text
    assert "Projet de répartition, pas encore approuvé" in page.text


async def test_the_viewer_reads_the_contribution(console):
    await console.log_in("member-viewer", organization=["hds"])
    calls = fake_allocations(console, [allocation_run(6, "approved")])
    page = await console.client.get("/console/contribution")
    assert page.status_code == 200
    assert calls.lines.calls.last.request.url.params["member"] == "hds"
    assert 'href="/console/contribution" aria-current="page"' in page.text
    # Read-only: no form changes anything on this page.
    assert 'method="post"' not in page.text.split('id="contenu"')[1]


async def test_the_gip_administrator_picks_the_member_of_the_contribution(console):
    await console.log_in("gip-admin")
    calls = fake_allocations(console, [allocation_run(6, "approved")])
    page = await console.client.get(f"/console/contribution?member=idf&year={YEAR}")
    assert page.status_code == 200
    assert '<option value="idf" selected>' in page.text
    assert calls.lines.calls.last.request.url.params["member"] == "idf"


async def test_another_members_contribution_is_not_found(console):
    await admin_of_hds(console)
    runs = console.on("GET", "billing", "/api/v1/allocations")
    response = await console.client.get("/console/contribution?member=idf")
    assert response.status_code == 404
    assert "Membre introuvable" in response.text
    assert not runs.called


async def test_a_run_billing_does_not_show_is_not_found(console):
    await admin_of_hds(console)
    fake_allocations(console, [allocation_run(6, "approved")])
    console.on("GET", "billing", "/api/v1/allocations/99").mock(
        return_value=problem(404, "no allocation run 99")
    )
    response = await console.client.get("/console/contribution?run=99")
    assert response.status_code == 404
    assert "Calcul introuvable" in response.text
    # Its lines answered 404 too (billing forgot the run meanwhile): not found either.
    console.on("GET", "billing", "/api/v1/allocations/6").respond(
        json=allocation_run(6, "approved")
    )
    console.on("GET", "billing", "/api/v1/allocations/6/lines").mock(
        return_value=problem(404, "no allocation run 6")
    )
    response = await console.client.get("/console/contribution?run=6")
    assert response.status_code == 404
    assert "Calcul introuvable" in response.text


async def test_no_run_yet_is_said_in_french(console):
    await admin_of_hds(console)
    calls = fake_allocations(console, [])
    page = await console.client.get("/console/contribution")
    assert page.status_code == 200
    assert f"Aucune répartition n'a encore été calculée pour l'exercice {YEAR}" in page.text
    assert not calls.lines.called
    fake_allocations(console, [allocation_run(9, "computing")])
    page = await console.client.get("/console/contribution")
    assert f"La répartition de l'exercice {YEAR} est en cours de calcul" in page.text
