"""GET /api/v1/indicators: scopes, periods, groups, comparison, access."""

from datetime import UTC, date, datetime, timedelta

import pytest
from measure_support import COLLEGE, ECOLE, IDF_SITE, LYCEE, hit

from gipkit.testing.fixtures import as_role
from measure.indicators.periods import parse_period, resolve

pytestmark = pytest.mark.anyio

# Tuesday 3 March 2026, 18:00 Paris (17:00 UTC); and a year before.
MARCH = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
LAST_YEAR = datetime(2025, 3, 4, 17, 0, tzinfo=UTC)


@pytest.fixture
async def measured(client, ent, tokens, settings):
    settings.retention_months = 120
    idf = as_role(tokens, "ent-ingest", "ile-de-france")
    hds_hits = [
        # eleve-1: one visit of three hits (two services), then a second visit 2 h later.
        hit(MARCH, service="3"),
        hit(MARCH + timedelta(minutes=10), service="10"),
        hit(MARCH + timedelta(minutes=40), service="10"),
        hit(MARCH + timedelta(hours=2, minutes=41), service="3"),
        # a parent at the école, on a phone, the next morning.
        hit(
            MARCH + timedelta(days=1, hours=-9),
            user="parent-1",
            profile="3",
            service="11",
            uai=ECOLE,
            user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148",
        ),
        # last year
        hit(LAST_YEAR, user="eleve-2"),
        hit(LAST_YEAR + timedelta(days=1), user="eleve-2"),
    ]
    r = await client.post("/api/v1/hits", json=hds_hits, headers=ent)
    assert r.status_code == 200, r.text
    r = await client.post(
        "/api/v1/hits",
        json=[hit(MARCH, site=IDF_SITE, uai=LYCEE, user="eleve-1")],
        headers=idf,
    )
    assert r.status_code == 200, r.text


async def get(client, headers, **params):
    return await client.get("/api/v1/indicators", params=params, headers=headers)


def figures(part):
    return part["visits"], part["unique_visitors"], part["page_views"]


async def test_project_totals_and_method(client, admin, measured):
    body = (await get(client, admin, scope="project:ent-92", period="2026-03")).json()
    assert figures(body["totals"]) == (3, 2, 5)
    assert body["method_version"] == "v1"
    assert body["unique_visitors_method"] == "exact"
    assert body["from"] == "2026-03-01" and body["to"] == "2026-03-31"
    assert datetime.fromisoformat(body["data_cutoff"]) <= datetime.now(UTC)


async def test_a_visit_counts_once_in_each_service_it_touches(client, admin, measured):
    body = (
        await get(client, admin, scope="project:ent-92", period="2026-03", group_by="service")
    ).json()
    groups = {g["key"]: figures(g) for g in body["groups"]}
    assert groups["3"] == (2, 1, 2)  # both of eleve-1's visits touch Notes
    assert groups["10"] == (1, 1, 2)
    assert body["breakdown_may_exceed_total"] is True
    labels = {g["key"]: g["label"] for g in body["groups"]}
    assert labels["10"] == "Courrier_Electronique"


async def test_hours_are_paris_time(client, admin, measured):
    body = (
        await get(client, admin, scope="project:ent-92", period="2026-03", group_by="hour")
    ).json()
    assert [g["key"] for g in body["groups"]] == [f"{h:02d}" for h in range(24)]
    by_hour = {g["key"]: g["visits"] for g in body["groups"] if g["visits"]}
    assert by_hour == {"18": 1, "20": 1, "09": 1}


async def test_compare_with_the_previous_year(client, admin, measured):
    body = (
        await get(
            client,
            admin,
            scope="project:ent-92",
            period="2026-03",
            group_by="month",
            compare="previous_year",
        )
    ).json()
    assert body["previous"]["from"] == "2025-03-01"
    assert figures(body["previous"]["totals"]) == (2, 1, 2)
    assert body["groups"] == [
        {
            "key": "2026-03",
            "label": None,
            "visits": 3,
            "unique_visitors": 2,
            "page_views": 5,
            "previous": {"visits": 2, "unique_visitors": 1, "page_views": 2},
        }
    ]


async def test_a_running_period_is_compared_with_last_year_so_far(
    client, admin, measured, monkeypatch
):
    # Read on 4 March 2026: last March counts up to 4 March 2025 (eleve-2's first visit, not
    # the next day's) in the totals; the month's group keeps the whole of last March.
    monkeypatch.setattr(
        "measure.indicators.service.utcnow", lambda: datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    )
    body = (
        await get(
            client,
            admin,
            scope="project:ent-92",
            period="2026-03",
            group_by="month",
            compare="previous_year",
        )
    ).json()
    assert (body["previous"]["from"], body["previous"]["to"]) == ("2025-03-01", "2025-03-04")
    assert figures(body["previous"]["totals"]) == (1, 1, 1)
    assert figures(body["groups"][0]["previous"]) == (2, 1, 2)
    # From its last day on, the whole of last March.
    for today, to in ((date(2026, 3, 31), "2025-03-31"), (date(2026, 4, 1), "2025-03-31")):
        moment = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
        monkeypatch.setattr("measure.indicators.service.utcnow", lambda m=moment: m)
        again = (
            await get(
                client, admin, scope="project:ent-92", period="2026-03", compare="previous_year"
            )
        ).json()
        assert again["previous"]["to"] == to
        assert figures(again["previous"]["totals"]) == (2, 1, 2)


async def test_member_and_national_sum_project_uniques(client, admin, measured):
    national = (await get(client, admin, scope="national", period="2026-03")).json()
    # eleve-1 of each project is two pseudonyms: uniques are summed, and said so.
    assert figures(national["totals"]) == (4, 3, 6)
    assert national["unique_visitors_method"] == "sum_of_project_uniques"
    member = (await get(client, admin, scope="member:ile-de-france", period="2026-03")).json()
    assert figures(member["totals"]) == (1, 1, 1)


async def test_establishment_scope(client, admin, measured):
    college = (await get(client, admin, scope=f"uai:{COLLEGE}", period="2026-03")).json()
    assert figures(college["totals"]) == (2, 1, 4)
    ecole = (
        await get(client, admin, scope=f"uai:{ECOLE.lower()}", period="2026-03", group_by="device")
    ).json()
    assert figures(ecole["totals"]) == (1, 1, 1)
    assert {g["key"]: g["visits"] for g in ecole["groups"]} == {"mobile": 1}


@pytest.mark.parametrize(
    ("role", "org", "scope", "status"),
    [
        ("member-admin", "hauts-de-seine", "project:ent-92", 200),
        ("member-viewer", "hauts-de-seine", "member:hauts-de-seine", 200),
        ("partner", "hauts-de-seine", f"uai:{COLLEGE}", 200),
        ("service", None, "project:monlycee", 200),
        ("member-admin", "hauts-de-seine", "project:monlycee", 404),
        ("member-viewer", "hauts-de-seine", "member:ile-de-france", 404),
        ("partner", "hauts-de-seine", f"uai:{LYCEE}", 404),
        ("partner", "ile-de-france", "project:ent-92", 404),
        ("member-admin", "hauts-de-seine", "national", 403),
        ("ent-ingest", "hauts-de-seine", "project:ent-92", 403),
        ("gip-admin", None, "project:nowhere", 404),
        ("gip-admin", None, "uai:0750655F", 404),
    ],
)
async def test_access(client, tokens, role, org, scope, status):
    response = await get(client, as_role(tokens, role, org), scope=scope, period="2026-Q1")
    assert response.status_code == status, response.text
    if status != 200:
        assert response.headers["content-type"] == "application/problem+json"


async def test_no_token_is_401(client):
    assert (await get(client, {}, scope="national")).status_code == 401


def test_periods():
    assert parse_period("2026-Q1") == (date(2026, 1, 1), date(2026, 3, 31))
    assert parse_period("2025-2026") == (date(2025, 9, 1), date(2026, 8, 31))
    assert parse_period("2026-W10") == (date(2026, 3, 2), date(2026, 3, 8))
    assert parse_period("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    today = date(2026, 11, 29)
    assert resolve(None, None, None, today=today) == (date(2026, 9, 1), today)
    assert resolve(None, date(2026, 3, 9), date(2026, 3, 1), today=today) == (
        date(2026, 3, 1),
        date(2026, 3, 9),
    )
    assert resolve("2026-Q1", date(2026, 2, 1), None, today=today) == (
        date(2026, 2, 1),
        date(2026, 3, 31),
    )
    start, end = resolve(None, date(2001, 1, 1), date(2030, 1, 1), today=today)
    assert (end - start).days == 799


async def test_a_range_over_two_school_years_adds_each_years_visitors(client, ent, admin, settings):
    """Keys rotate with the school year: the same person on Monday 31 August and Tuesday
    1 September 2026 is two visitors, inside one ISO week as over the whole range."""
    settings.retention_months = 120
    aug = datetime(2026, 8, 31, 8, 0, tzinfo=UTC)
    sep = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    batch = [hit(aug, user="x"), hit(sep, user="x"), hit(sep + timedelta(hours=1), user="x")]
    assert (await client.post("/api/v1/hits", json=batch, headers=ent)).status_code == 200
    span = {"scope": "project:ent-92", "from": "2026-08-24", "to": "2026-09-06"}
    body = (await get(client, admin, **span)).json()
    assert figures(body["totals"]) == (3, 2, 3)
    weeks = (await get(client, admin, **span, group_by="week")).json()["groups"]
    assert [(g["key"], figures(g)) for g in weeks] == [
        ("2026-W35", (0, 0, 0)),
        ("2026-W36", (3, 2, 3)),
    ]
    months = (await get(client, admin, **span, group_by="month")).json()["groups"]
    assert [(g["key"], figures(g)) for g in months] == [
        ("2026-08", (1, 1, 1)),
        ("2026-09", (2, 1, 2)),
    ]


async def test_days_are_iso_text_only(client, admin, measured):
    # A bare number is not a day (pydantic alone would read it as a Unix time).
    for params in ({"to": "0"}, {"from": "1700000000"}, {"from": "2026-03-01T00:00:00"}):
        response = await get(client, admin, scope="project:ent-92", **params)
        assert response.status_code == 422, params
    ok = await get(client, admin, scope="project:ent-92", **{"from": "2026-03-01"})
    assert ok.status_code == 200
