"""POST /api/v1/hits: partial acceptance, idempotency, validation, limits."""

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest
from measure_support import COLLEGE, ECOLE, IDF_SITE, LYCEE, hit
from sqlalchemy import func, select

from gipkit.testing.fixtures import as_role
from measure.models import Hit, HitConflict, VisitorDayFact

pytestmark = pytest.mark.anyio

NOW = datetime.now(UTC).replace(microsecond=0)
RECENT = NOW - timedelta(days=3)


async def count(session, model) -> int:
    return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def post(client, headers, body, **kw):
    return await client.post("/api/v1/hits", json=body, headers=headers, **kw)


async def test_a_clean_batch_is_accepted_and_stored(client, ent, session):
    batch = [hit(RECENT + timedelta(minutes=i)) for i in range(5)]
    response = await post(client, ent, batch)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "accepted": 5,
        "duplicates": 0,
        "conflicts": 0,
        "unknown_services": 0,
        "errors": [],
    }
    assert await count(session, Hit) == 5
    assert await count(session, VisitorDayFact) > 0


async def test_a_replayed_hit_counts_once_and_other_content_is_a_conflict(client, ent, session):
    first = hit(RECENT)
    assert (await post(client, ent, [first])).json()["accepted"] == 1
    again = await post(client, ent, [first])
    assert again.status_code == 200
    assert again.json()["duplicates"] == 1 and again.json()["accepted"] == 0
    changed = {**first, "page": "another page"}
    conflict = await post(client, ent, [changed, hit(RECENT + timedelta(seconds=1))])
    assert conflict.status_code == 207
    assert conflict.json()["conflicts"] == 1 and conflict.json()["accepted"] == 1
    assert await count(session, Hit) == 2
    kept = (await session.execute(select(HitConflict))).scalars().one()
    assert kept.event_id == first["event_id"] and "another page" in kept.content


async def test_text_is_stored_as_sent_whatever_copy_would_make_of_it(client, ent, session):
    # Backslashes and quotes mean something to COPY's text format and to array literals.
    tricky = ["C:\\dossier\\n\\t", 'say "hi"', "\\N", "tab\\there", "{a,b}", "é\u00a0ü"]
    batch = [
        hit(RECENT + timedelta(seconds=i), page=page, event_id=f'ev\\{i}"')
        for i, page in enumerate(tricky)
    ]
    response = await post(client, ent, batch)
    assert response.json()["accepted"] == len(tricky), response.text
    rows = (await session.execute(select(Hit.event_id, Hit.page))).all()
    assert sorted(rows) == sorted((h["event_id"], h["page"]) for h in batch)
    assert (await post(client, ent, batch)).json()["duplicates"] == len(tricky)


async def test_a_replay_inside_one_batch_is_a_duplicate_or_a_conflict(client, ent, session):
    one = hit(RECENT)
    response = await post(client, ent, [one, one, {**one, "page": "x"}])
    assert response.status_code == 207
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["conflicts"]) == (1, 1, 1)


async def test_bad_items_are_refused_one_by_one_with_their_index_and_field(client, ent, session):
    batch = [
        hit(RECENT),  # 0 fine
        hit(RECENT, uai="0750655F"),  # 1 wrong key letter
        hit(datetime.now(UTC) + timedelta(minutes=10)),  # 2 future (now: not when imported)
        hit(NOW - timedelta(days=800)),  # 3 older than the window
        hit(RECENT, site="999999"),  # 4 unknown site
        hit(RECENT, site=IDF_SITE, uai=LYCEE),  # 5 another organisation's project
        hit(RECENT, uai=LYCEE),  # 6 not attached to this project
        hit(RECENT, profile="5"),  # 7 unknown profile
        hit(RECENT, page="a\x00b"),  # 8 NUL
        hit(RECENT, user="x" * 129),  # 9 too long
        hit(RECENT, colour="blue"),  # 10 unknown field
        "not an object",  # 11
        hit("2026-03-01T10:00:00"),  # 12 no offset
        hit(RECENT, ip="192.0.2.300"),  # 13 address characters, not an address
        hit(RECENT, ip="localhost"),  # 14 not even its characters
        hit(RECENT, ip="2001:db8::1", inside=True),  # 15 fine (the flag says where)
    ]
    response = await post(client, ent, batch)
    assert response.status_code == 207, response.text
    body = response.json()
    assert body["accepted"] == 2
    fields = {e["index"]: e["field"] for e in body["errors"]}
    assert fields == {
        1: "uai",
        2: "ts",
        3: "ts",
        4: "site",
        5: "site",
        6: "uai",
        7: "profile",
        8: "page",
        9: "user",
        10: "colour",
        11: "",
        12: "ts",
        13: "ip",
        14: "ip",
    }
    assert all(e["reason"] for e in body["errors"])
    reasons = {e["index"]: e["reason"] for e in body["errors"]}
    assert reasons[8] == "control characters (NUL included) are not allowed"
    assert reasons[13] == "not an IPv4 or IPv6 address"
    assert await count(session, Hit) == 2


async def test_an_establishment_counts_for_the_project_it_belonged_to_that_day(client, ent):
    # The école left Hauts-de-Seine's project on 31 August 2026.
    before = hit(datetime(2026, 8, 31, 12, tzinfo=UTC), uai=ECOLE)
    after = hit(datetime(2026, 9, 1, 12, tzinfo=UTC), uai=ECOLE)
    response = await post(client, ent, [before, after])
    body = response.json()
    assert body["accepted"] == 1
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(1, "uai")]


async def test_when_nothing_is_taken_the_answer_is_a_422_problem(client, ent, session):
    response = await post(client, ent, [hit(RECENT, uai="0750655F")])
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["accepted"] == 0 and body["errors"][0]["field"] == "uai"
    assert await count(session, Hit) == 0


async def test_unknown_services_are_counted_as_page_ent(client, ent, session):
    response = await post(client, ent, [hit(RECENT, service="Jeux"), hit(RECENT, service="Notes")])
    assert response.status_code == 200
    assert response.json()["unknown_services"] == 1
    services = (await session.execute(select(Hit.service).order_by(Hit.service))).scalars().all()
    assert services == ["0", "3"]


async def test_ndjson_and_gzip(client, ent, session):
    lines = "\n".join(json.dumps(hit(RECENT + timedelta(seconds=i))) for i in range(3))
    lines += "\n{not json\n"
    body = gzip.compress(lines.encode())
    response = await client.post(
        "/api/v1/hits",
        content=body,
        headers={**ent, "Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 207, response.text
    assert response.json()["accepted"] == 3
    assert response.json()["errors"][0]["index"] == 3
    assert "not JSON" in response.json()["errors"][0]["reason"]


@pytest.mark.parametrize(
    ("headers", "content", "status"),
    [
        ({"Content-Type": "text/plain"}, b"[]", 415),
        ({"Content-Type": "application/json"}, b"{}", 400),
        ({"Content-Type": "application/json"}, b"[", 400),
        ({"Content-Type": "application/json", "Content-Encoding": "gzip"}, b"not gzip", 400),
        ({"Content-Type": "application/json", "Content-Encoding": "br"}, b"[]", 415),
    ],
)
async def test_unreadable_bodies_are_problems(client, ent, headers, content, status):
    response = await client.post("/api/v1/hits", content=content, headers={**ent, **headers})
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


async def test_limits_are_413(client, ent, app):
    app.state.settings = app.state.settings.model_copy(update={"max_batch_hits": 3})
    too_many = await post(client, ent, [hit(RECENT) for _ in range(4)])
    assert too_many.status_code == 413
    app.state.settings = app.state.settings.model_copy(
        update={"max_batch_hits": 10, "max_body_bytes": 2048}
    )
    too_big = await post(client, ent, [hit(RECENT, page="p" * 500) for _ in range(10)])
    assert too_big.status_code == 413
    bomb = gzip.compress(b"[" + b" " * 100_000 + b"]")
    inflated = await client.post(
        "/api/v1/hits",
        content=bomb,
        headers={**ent, "Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert inflated.status_code == 413


@pytest.mark.parametrize(
    "role", ["gip-admin", "member-admin", "member-viewer", "partner", "service"]
)
async def test_only_ent_clients_send_hits(client, tokens, role):
    response = await post(client, as_role(tokens, role, "hauts-de-seine"), [hit(RECENT)])
    assert response.status_code == 403


async def test_no_token_is_401(client):
    assert (await post(client, {}, [hit(RECENT)])).status_code == 401


async def test_inside_from_the_flag_or_the_networks(client, ent, session):
    batch = [
        hit(RECENT, inside=True),
        hit(RECENT, ip="192.0.2.10"),
        hit(RECENT, ip="2001:db8:92::1"),
        hit(RECENT, ip="198.51.100.7"),
        hit(RECENT),
    ]
    assert (await post(client, ent, batch)).status_code == 200
    inside = (await session.execute(select(Hit.inside))).scalars().all()
    assert sorted(inside) == ["inside", "inside", "inside", "outside", "unknown"]


async def test_a_hit_waiting_for_its_networks_stays_the_first_of_its_event_id(client, ent, session):
    """The first hit of an event id in a batch is the one taken, even when it is told inside by
    its establishment's networks (fetched after the batch's other hits were checked)."""
    batch = [hit(RECENT, event_id="twice", ip="192.0.2.10"), hit(RECENT, event_id="twice")]
    answer = (await post(client, ent, batch)).json()
    assert (answer["accepted"], answer["conflicts"]) == (1, 1)
    assert (await session.execute(select(Hit.inside))).scalars().all() == ["inside"]


async def test_user_agents_become_device_os_and_browser(client, ent, session):
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
    )
    windows = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0 Safari/537.36"
    )
    ipad = (
        "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.0 Mobile/15E148 Safari/604.1"
    )
    batch = [hit(RECENT, user_agent=ua) for ua in (iphone, windows, ipad)]
    assert (await post(client, ent, batch)).status_code == 200
    rows = (await session.execute(select(Hit.device, Hit.os).order_by(Hit.event_id))).all()
    assert sorted(rows) == sorted([("mobile", "ios"), ("desktop", "windows"), ("tablet", "ios")])


async def test_lowercase_uai_and_numeric_codes_are_read(client, ent, session):
    response = await post(client, ent, [hit(RECENT, uai=COLLEGE.lower(), profile=2, service=10)])
    assert response.status_code == 200, response.text
    row = (await session.execute(select(Hit.uai, Hit.profile, Hit.service))).one()
    assert tuple(row) == (COLLEGE, "2", "10")


async def test_hits_of_a_site_of_mine_with_another_funder(client, tokens, session):
    # A client of Île-de-France may send for its own project, not Hauts-de-Seine's.
    idf = as_role(tokens, "ent-ingest", "ile-de-france")
    response = await post(client, idf, [hit(RECENT, site=IDF_SITE, uai=LYCEE), hit(RECENT)])
    assert response.status_code == 207
    assert response.json()["errors"] == [
        {"index": 1, "field": "site", "reason": "no ENT project of yours has this site id"}
    ]
    assert (await session.execute(select(Hit.site))).scalars().all() == [IDF_SITE]
