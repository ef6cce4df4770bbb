"""/api/v1/notes: generation, entitlement, tenancy, negotiation, ETags, listing."""

import io

import pytest
from pypdf import PdfReader
from reports_support import CUTOFF
from sqlmodel import select

from reports.composition.canonical import sha256_hex
from reports.composition.compose import compose
from reports.composition.figures import NoteFigures
from reports.notes import sources
from reports.notes.models import Note
from reports.usage.models import UsageOutbox

pytestmark = pytest.mark.anyio

HDS = "hauts-de-seine"
IDF = "ile-de-france"
Q1 = {"scope": "member:hauts-de-seine", "period": "2026-Q1"}


def admin(tokens):
    return tokens.headers(roles=["gip-admin"], client_id="gip-ops")


def member_admin(tokens, org=HDS):
    return tokens.headers(roles=["member-admin"], organization=[org])


def partner(tokens, org=HDS):
    return tokens.headers(roles=["partner"], organization=org, client_id="demo-partner")


async def outbox(session):
    return (await session.exec(select(UsageOutbox).order_by(UsageOutbox.id))).all()


async def test_generate_store_and_regenerate_gives_the_same_note(
    client, tokens, fake_peers, session
):
    first = await client.post("/api/v1/notes", json=Q1, headers=admin(tokens))
    assert first.status_code == 201, first.text
    body = first.json()
    assert first.headers["location"] == f"/api/v1/notes/{body['id']}"
    assert body["method_version"] == "v1"
    assert body["data_cutoff"].startswith("2026-04-01T02:00:00")
    assert body["period"] == {
        "kind": "quarter",
        "label": "2026-Q1",
        "start": "2026-01-01",
        "end": "2026-03-31",
    }
    figures = NoteFigures.model_validate(body["figures"])
    assert body["figures_sha256"] == sha256_hex(figures)
    assert figures.scope.label == "Hauts-de-Seine"
    assert figures.headline.visits.value == 1200
    assert body["inputs"]["queries"][0]["scope"] == "member:hauts-de-seine"
    assert len(fake_peers.indicator_calls) == 8

    # Same inputs, same cut-off: the same figures, hence the same stored note.
    again = await client.post("/api/v1/notes", json=Q1, headers=admin(tokens))
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert again.json()["figures_sha256"] == body["figures_sha256"]

    # The stored inputs give the figures again.
    note = (await session.exec(select(Note).where(Note.id == body["id"]))).one()
    stored = sources.load(note.sources)
    recomposed = compose(scope=figures.scope, period=_q1(), sources=stored)
    assert sha256_hex(recomposed) == note.figures_sha256

    # Metered once, with the note id as idempotency key, billed to the member.
    rows = await outbox(session)
    assert [(r.idempotency_key, r.kind, r.member, r.prestation, r.status) for r in rows] == [
        (f"note-{body['id']}", "note_generated", HDS, "notes-synthese", "pending")
    ]


def _q1():
    from reports.common.periods import parse_named

    return parse_named("2026-Q1")


async def test_other_figures_make_another_note(client, tokens, fake_peers):
    first = (await client.post("/api/v1/notes", json=Q1, headers=admin(tokens))).json()
    from reports_support import sample_indicators

    fake_peers.indicators_override = lambda **kw: sample_indicators(**kw, scale=2)
    second = await client.post("/api/v1/notes", json=Q1, headers=admin(tokens))
    assert second.status_code == 201
    assert second.json()["id"] != first["id"]


async def test_custom_period_and_school_year(client, tokens, fake_peers):
    custom = {"scope": "project:ent92", "period": {"from": "2026-01-18", "to": "2026-01-05"}}
    answer = await client.post("/api/v1/notes", json=custom, headers=member_admin(tokens))
    assert answer.status_code == 201, answer.text
    assert answer.json()["period"]["label"] == "2026-01-05/2026-01-18"
    year = {"scope": "uai:0920001a", "period": "2025-2026"}
    answer = await client.post("/api/v1/notes", json=year, headers=member_admin(tokens))
    assert answer.status_code == 201, answer.text
    assert answer.json()["scope"] == "uai:0920001A"
    assert answer.json()["scope_label"] == "Collège Les Bruyères"
    assert fake_peers.entitlement_calls[-1]["project"] == "ent92"


async def test_another_tenants_scope_is_404(client, tokens, fake_peers):
    for scope in ("member:hauts-de-seine", "project:ent92", "uai:0920001A", "member:nowhere"):
        answer = await client.post(
            "/api/v1/notes",
            json={"scope": scope, "period": "2026-Q1"},
            headers=member_admin(tokens, IDF),
        )
        assert answer.status_code == 404, (scope, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
    assert fake_peers.indicator_calls == []


async def test_unsubscribed_scope_is_403_naming_the_prestation(client, tokens, fake_peers, session):
    answer = await client.post(
        "/api/v1/notes",
        json={"scope": "member:ile-de-france", "period": "2026-Q1"},
        headers=member_admin(tokens, IDF),
    )
    assert answer.status_code == 403
    problem = answer.json()
    assert problem["prestation"] == "notes-synthese"
    assert "notes-synthese" in problem["detail"] and "notes de synthèse" in problem["detail"]
    # Also for gip-admin: billing decides what is subscribed.
    answer = await client.post(
        "/api/v1/notes",
        json={"scope": "member:ile-de-france", "period": "2026-Q1"},
        headers=admin(tokens),
    )
    assert answer.status_code == 403
    assert fake_peers.indicator_calls == []
    assert await outbox(session) == []


async def test_national_is_for_gip_admin_only(client, tokens, fake_peers):
    national = {"scope": "national", "period": "2026-Q1"}
    answer = await client.post("/api/v1/notes", json=national, headers=admin(tokens))
    assert answer.status_code == 201
    assert answer.json()["scope_label"] == "France entière"
    assert fake_peers.entitlement_calls == []
    answer = await client.post("/api/v1/notes", json=national, headers=member_admin(tokens))
    assert answer.status_code == 403


async def test_roles(client, tokens, fake_peers):
    viewer = tokens.headers(roles=["member-viewer"], organization=HDS)
    assert (await client.post("/api/v1/notes", json=Q1, headers=viewer)).status_code == 403
    assert (await client.post("/api/v1/notes", json=Q1)).status_code == 401
    created = await client.post("/api/v1/notes", json=Q1, headers=partner(tokens))
    assert created.status_code == 201
    note_id = created.json()["id"]
    assert (await client.get(f"/api/v1/notes/{note_id}", headers=viewer)).status_code == 200
    ingest = tokens.headers(roles=["ent-ingest"], organization=HDS)
    assert (await client.get(f"/api/v1/notes/{note_id}", headers=ingest)).status_code == 403


async def test_peers_down_are_503_not_500(client, tokens, fake_peers):
    for peer in ("measure", "billing", "tenants"):
        fake_peers.down = {peer}
        answer = await client.post("/api/v1/notes", json=Q1, headers=member_admin(tokens))
        assert answer.status_code == 503, (peer, answer.text)
        assert answer.headers["retry-after"]


async def test_partner_reads_json_html_pdf_with_etags_and_each_pull_is_metered(
    client, tokens, fake_peers, session
):
    note_id = (await client.post("/api/v1/notes", json=Q1, headers=admin(tokens))).json()["id"]
    url = f"/api/v1/notes/{note_id}"
    headers = partner(tokens)

    as_json = await client.get(url, headers={**headers, "Accept": "application/json"})
    assert as_json.status_code == 200
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.json()["figures"]["headline"]["visits"]["value"] == 1200
    etag = as_json.headers["etag"]

    not_modified = await client.get(
        url, headers={**headers, "Accept": "application/json", "If-None-Match": etag}
    )
    assert not_modified.status_code == 304 and not_modified.content == b""

    as_html = await client.get(url, headers={**headers, "Accept": "text/html,*/*;q=0.1"})
    assert as_html.status_code == 200
    assert as_html.headers["content-type"].startswith("text/html")
    assert as_html.headers["etag"] != etag
    assert "Hauts-de-Seine" in as_html.text and "1er trimestre 2026" in as_html.text
    assert "1\u202f200" in as_html.text and "+20,0\u00a0%" in as_html.text

    as_pdf = await client.get(url, headers={**headers, "Accept": "application/pdf"})
    assert as_pdf.status_code == 200
    assert as_pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(as_pdf.content)).pages)
    # Headline figures formatted fr-FR: narrow no-break space between thousands.
    for figure in ("1\u202f200", "1\u202f000", "5\u202f400", "300", "+20,0"):
        assert figure in text, figure
    assert "Élèves" in text and "1er avril 2026 à 04:00" in text

    unacceptable = await client.get(url, headers={**headers, "Accept": "image/png"})
    assert unacceptable.status_code == 406
    assert unacceptable.headers["content-type"] == "application/problem+json"

    pulls = [r for r in await outbox(session) if r.kind == "partner_pull"]
    # json, html, pdf: three pulls; the 304 and the 406 delivered nothing.
    assert len(pulls) == 3
    assert {r.member for r in pulls} == {HDS} and {r.reference for r in pulls} == {note_id}
    assert len({r.idempotency_key for r in pulls}) == 3


async def test_reads_need_the_tenant_and_a_subscription(client, tokens, fake_peers):
    note_id = (await client.post("/api/v1/notes", json=Q1, headers=admin(tokens))).json()["id"]
    url = f"/api/v1/notes/{note_id}"
    assert (await client.get(url, headers=partner(tokens, IDF))).status_code == 404
    assert (await client.get("/api/v1/notes/" + "0" * 32, headers=admin(tokens))).status_code == 404
    fake_peers.entitled = set()
    lost = await client.get(url, headers=partner(tokens))
    assert lost.status_code == 403 and lost.json()["prestation"] == "notes-synthese"
    assert (await client.get(url, headers=admin(tokens))).status_code == 200


async def test_list_filters_tenants_and_pages(client, tokens, fake_peers):
    fake_peers.entitled = {HDS, IDF}
    made = []
    for scope, period in [
        ("member:hauts-de-seine", "2025-Q4"),
        ("member:hauts-de-seine", "2026-Q1"),
        ("project:ent92", "2026-Q1"),
        ("member:ile-de-france", "2026-Q1"),
    ]:
        answer = await client.post(
            "/api/v1/notes", json={"scope": scope, "period": period}, headers=admin(tokens)
        )
        assert answer.status_code == 201
        made.append(answer.json()["id"])

    everything = (await client.get("/api/v1/notes", headers=admin(tokens))).json()
    assert [n["id"] for n in everything["items"]] == made[::-1]

    mine = (await client.get("/api/v1/notes", headers=partner(tokens))).json()
    assert [n["id"] for n in mine["items"]] == made[:3][::-1]

    filtered = await client.get(
        "/api/v1/notes",
        params={"period": "2026-Q1", "scope": "member:hauts-de-seine"},
        headers=partner(tokens),
    )
    assert [n["id"] for n in filtered.json()["items"]] == [made[1]]
    by_member = await client.get(
        "/api/v1/notes", params={"member": IDF, "kind": "quarter"}, headers=admin(tokens)
    )
    assert [n["id"] for n in by_member.json()["items"]] == [made[3]]

    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/notes", params=params, headers=admin(tokens))).json()
        seen += [n["id"] for n in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made[::-1]


async def test_cutoff_is_the_earliest_of_the_answers(client, tokens, fake_peers):
    from datetime import timedelta

    from reports_support import sample_indicators

    def varying(**kw):
        later = CUTOFF + timedelta(minutes=5 if kw.get("group_by") else 0)
        return sample_indicators(**kw, cutoff=later)

    fake_peers.indicators_override = varying
    body = (await client.post("/api/v1/notes", json=Q1, headers=admin(tokens))).json()
    assert body["data_cutoff"].startswith("2026-04-01T02:00:00")
