"""The browser tag, retention, and what never reaches a table or a log line."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from measure_support import COLLEGE, HDS_SITE, hit
from sqlalchemy import func, select, text

from gipkit.clock import PARIS
from gipkit.telemetry import JsonFormatter
from measure.hits.service import retention_start
from measure.models import DayTotal, Hit, HitKey, VisitorDayFact, VisitorPresence
from measure.rollup.presence import place, school_year

pytestmark = pytest.mark.anyio

ORIGIN = {"Origin": "https://ent.hauts-de-seine.example"}
TAG = {"s": HDS_SITE, "s2": COLLEGE, "p": "accueil", "x1": "3", "x2": "1", "idclient": "p-42"}


async def count(session, model) -> int:
    return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_the_tag_answers_a_gif_and_stores_the_hit(client, session):
    response = await client.get("/collect", params=TAG, headers=ORIGIN)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/gif"
    assert response.content.startswith(b"GIF89a")
    assert response.headers["cache-control"] == "no-store"
    assert await count(session, Hit) == 1


async def test_the_referer_stands_for_a_missing_origin(client, session):
    referer = {"Referer": "https://ent.hauts-de-seine.example/accueil?x=1"}
    assert (await client.get("/collect", params=TAG, headers=referer)).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": "https://evil.example"}, {"Referer": "https://monlycee.example/"}],
)
async def test_other_origins_are_refused(client, session, headers):
    response = await client.get("/collect", params=TAG, headers=headers)
    assert response.status_code == 403
    assert await count(session, Hit) == 0


async def test_the_tag_validates_like_a_batch(client):
    response = await client.get("/collect", params={**TAG, "x2": "9"}, headers=ORIGIN)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "x2"


async def test_the_tag_is_rate_limited_per_address(client, app):
    app.state.settings = app.state.settings.model_copy(update={"collect_per_minute": 3})
    statuses = [
        (await client.get("/collect", params=TAG, headers=ORIGIN)).status_code for _ in range(5)
    ]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]


async def test_raw_ids_addresses_and_agents_never_reach_a_table_or_a_log(
    client, ent, session, caplog
):
    caplog.set_level(logging.DEBUG)
    secret_user, secret_ip, secret_ua = "ID-PERSO-8731", "192.0.2.77", "SecretBrowser/9.9"
    recent = datetime.now(UTC) - timedelta(hours=1)
    batch = [hit(recent, user=secret_user, ip=secret_ip, user_agent=secret_ua)]
    assert (await client.post("/api/v1/hits", json=batch, headers=ent)).status_code == 200
    tag = {**TAG, "idclient": secret_user}
    headers = {**ORIGIN, "User-Agent": secret_ua, "X-Forwarded-For": secret_ip}
    assert (await client.get("/collect", params=tag, headers=headers)).status_code == 200
    dumped = []
    tables = ("hits", "hit_keys", "hit_conflicts", "visitor_day_facts", "visitor_presence")
    for table in (*tables, "rollup_marks"):
        rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()  # noqa: S608
        dumped.extend(str(tuple(r)) for r in rows)
    # Log lines as the services write them (gipkit's formatter), whoever logged them.
    formatter = JsonFormatter()
    everything = "\n".join(dumped) + "\n".join(formatter.format(r) for r in caplog.records)
    assert dumped
    for raw in (secret_user, secret_ip, "SecretBrowser"):
        assert raw not in everything


async def test_purge_deletes_what_is_older_than_the_window_and_says_so(
    client, ent, admin, session, app
):
    app.state.settings = app.state.settings.model_copy(update={"retention_months": 2})
    now = datetime.now(UTC)
    batch = [hit(now - timedelta(days=40)), hit(now - timedelta(days=2))]
    assert (await client.post("/api/v1/hits", json=batch, headers=ent)).status_code == 200
    app.state.settings = app.state.settings.model_copy(update={"retention_months": 1})
    before = (
        await client.get(
            "/api/v1/indicators",
            params={"scope": "project:ent-92", "from": str((now - timedelta(days=7)).date())},
            headers=admin,
        )
    ).json()["totals"]
    report = (await client.post("/api/v1/retention/purge", headers=admin)).json()
    assert (report["hits"], report["keys"]) == (1, 1)
    assert report["facts"] > 0
    assert await count(session, Hit) == 1 and await count(session, HitKey) == 1
    after = (
        await client.get(
            "/api/v1/indicators",
            params={"scope": "project:ent-92", "from": str((now - timedelta(days=7)).date())},
            headers=admin,
        )
    ).json()["totals"]
    assert after == before and after["page_views"] == 1
    oldest = (await session.execute(select(func.min(VisitorDayFact.day)))).scalar_one()
    assert oldest >= retention_start(now, 1).date() - timedelta(days=1)
    oldest = (await session.execute(select(func.min(DayTotal.day)))).scalar_one()
    assert oldest >= retention_start(now, 1).date() - timedelta(days=1)
    # The purged day is no longer a place in any visitor's presence string.
    purged = (now - timedelta(days=40)).astimezone(PARIS).date()
    strings = (await session.execute(select(VisitorPresence))).scalars().all()
    assert strings and report["presence"] >= 1
    for row in strings:
        if row.school_year == school_year(purged):
            assert row.days[place(purged)] == "0"


async def test_only_gip_admin_purges(client, ent):
    assert (await client.post("/api/v1/retention/purge", headers=ent)).status_code == 403


def test_retention_start_clamps_to_the_month_length():
    assert retention_start(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(
        2026, 2, 28, tzinfo=UTC
    )
    assert retention_start(datetime(2026, 11, 29, tzinfo=UTC), 25) == datetime(
        2024, 10, 29, tzinfo=UTC
    )
