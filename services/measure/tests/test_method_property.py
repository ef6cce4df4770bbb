"""The correctness proof: random hit streams — several projects and visitors, gaps around 30
minutes, midnight and the spring DST change, out-of-order and duplicate delivery — go through
the API, and every indicator must equal the independent computation of method v1
(method_oracle.py) on the same hits. Runs on SQLite, and on PostgreSQL in CI."""

from __future__ import annotations

import asyncio
import random
from datetime import date, timedelta

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from measure_support import COLLEGE, ECOLE, HDS_SITE, IDF_SITE, LYCEE, directory, measure_settings
from method_oracle import Sent, expected, utc
from sqlalchemy import select

from gipkit.testing.database import rollback_database
from gipkit.testing.tokens import TokenFactory
from measure.main import create
from measure.models import DayTotal, VisitorDayFact, VisitorPresence
from measure.rollup import ledger
from measure.rollup.presence import place, school_year

# Saturday 28 March 2026, 21:00 UTC: the stream crosses two Paris midnights and the night
# the clocks go forward (29 March 2026, 02:00 → 03:00).
BASE = utc(2026, 3, 28, 21, 0)
DAYS = (date(2026, 3, 28), date(2026, 3, 31))
PROJECTS = {HDS_SITE: (COLLEGE, ECOLE), IDF_SITE: (LYCEE,)}
GAPS_SECONDS = [0, 1, 60, 29 * 60, 30 * 60, 30 * 60 + 1, 31 * 60, 3 * 3600]

person = st.tuples(st.sampled_from(sorted(PROJECTS)), st.sampled_from(["u1", "u2", "u3"]))


@st.composite
def streams(draw: st.DrawFn) -> list[Sent]:
    hits: list[Sent] = []
    for site, user in draw(st.lists(person, min_size=1, max_size=4, unique=True)):
        moment = BASE + timedelta(seconds=draw(st.integers(0, 30 * 3600)))
        for _ in range(draw(st.integers(1, 8))):
            moment += timedelta(seconds=draw(st.sampled_from(GAPS_SECONDS)))
            hits.append(
                Sent(
                    site=site,
                    user=user,
                    ts=moment,
                    uai=draw(st.sampled_from(PROJECTS[site])),
                    profile=draw(st.sampled_from(["1", "3"])),
                    service=draw(st.sampled_from(["0", "3", "10"])),
                    inside=draw(st.sampled_from(["inside", "outside"])),
                )
            )
    return hits


QUERIES = [
    # (scope, sites, uai)
    (f"project:{'ent-92'}", {HDS_SITE}, None),
    ("member:ile-de-france", {IDF_SITE}, None),
    (f"uai:{COLLEGE}", {HDS_SITE}, COLLEGE),
    ("national", {HDS_SITE, IDF_SITE}, None),
]
GROUPS = [None, "day", "week", "month", "hour", "service", "profile", "inside"]


def _body(h: Sent, event_id: str) -> dict[str, object]:
    return {
        "event_id": event_id,
        "ts": h.ts.isoformat(),
        "site": h.site,
        "uai": h.uai,
        "user": h.user,
        "profile": h.profile,
        "service": h.service,
        "inside": h.inside == "inside",
    }


async def _check(database_url, hits: list[Sent], seed: int) -> None:
    tokens = TokenFactory()
    app = create(measure_settings(retention_months=120, max_future_seconds=10**9))
    app.state.directory = directory()
    app.state.verifier = tokens.verifier()
    ent_92 = tokens.headers(roles=["ent-ingest"], organization="hauts-de-seine")
    ent_idf = tokens.headers(roles=["ent-ingest"], organization="ile-de-france")
    admin = tokens.headers(roles=["gip-admin"])
    bodies = [(h, _body(h, f"ev{i}")) for i, h in enumerate(hits)]
    # Out of order, in several batches, some hits sent twice.
    rng = random.Random(seed)
    delivery = bodies + rng.sample(bodies, k=min(len(bodies), rng.randint(0, 3)))
    rng.shuffle(delivery)
    async with rollback_database(database_url) as db:
        app.state.db = db
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                size = rng.randint(1, 5)
                for i in range(0, len(delivery), size):
                    for site, headers in ((HDS_SITE, ent_92), (IDF_SITE, ent_idf)):
                        batch = [b for h, b in delivery[i : i + size] if h.site == site]
                        if batch:
                            r = await client.post("/api/v1/hits", json=batch, headers=headers)
                            assert r.status_code == 200, r.text
                for scope, sites, uai in QUERIES:
                    for group_by in GROUPS:
                        params = {"scope": scope, "from": str(DAYS[0]), "to": str(DAYS[1])}
                        if group_by:
                            params["group_by"] = group_by
                        r = await client.get("/api/v1/indicators", params=params, headers=admin)
                        assert r.status_code == 200, r.text
                        body = r.json()
                        span = {"sites": sites, "uai": uai, "start": DAYS[0], "end": DAYS[1]}
                        want = expected(hits, group_by=group_by, **span)
                        totals = expected(hits, group_by=None, **span).get("", (0, 0, 0))
                        total = body["totals"]
                        got_total = (total["visits"], total["unique_visitors"], total["page_views"])
                        assert got_total == totals, (scope, group_by)
                        if group_by:
                            got = {
                                g["key"]: (g["visits"], g["unique_visitors"], g["page_views"])
                                for g in body["groups"]
                                if (g["visits"], g["unique_visitors"], g["page_views"]) != (0, 0, 0)
                            }
                            assert got == want, (scope, group_by)
        await _assert_presence_follows_facts(db)
        await _assert_day_totals_follow_facts(db)


async def _assert_day_totals_follow_facts(db) -> None:
    """Each day total is the sum of the visitors' facts of its day and value, whatever was
    added and taken away on the way; none is left at nothing."""
    async with db.sessionmaker() as session:
        facts = (await session.execute(select(VisitorDayFact))).scalars().all()
        totals = (await session.execute(select(DayTotal))).scalars().all()
    want: dict[tuple[object, ...], list[int]] = {}
    for fact in facts:
        for uai, dim, value, visits, page_views in ledger.decode(fact.facts):
            sums = want.setdefault((fact.site, uai, dim, fact.day, value), [0, 0, 0])
            sums[0] += visits
            sums[1] += page_views
            sums[2] += page_views > 0
    got = {
        (t.site, t.uai, t.dim, t.day, t.value): [t.visits, t.page_views, t.visitors] for t in totals
    }
    assert got == {k: v for k, v in want.items() if any(v)}


async def _assert_presence_follows_facts(db) -> None:
    """The presence strings hold a visitor's days with a page view, per scope and value — as
    the facts now say, whatever was written and taken back on the way; no string without a
    day is left behind."""
    async with db.sessionmaker() as session:
        facts = (await session.execute(select(VisitorDayFact))).scalars().all()
        strings = (await session.execute(select(VisitorPresence))).scalars().all()
    want: dict[tuple[object, ...], set[int]] = {}
    for fact in facts:
        for uai, dim, value, _visits, page_views in ledger.decode(fact.facts):
            if page_views > 0:
                key = (fact.site, school_year(fact.day), uai, dim, value, fact.visitor)
                want.setdefault(key, set()).add(place(fact.day))
    got = {
        (p.site, p.school_year, p.uai, p.dim, p.value, p.visitor): {
            i for i, bit in enumerate(str(p.days)) if bit == "1"
        }
        for p in strings
    }
    assert got == want


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(hits=streams(), seed=st.integers(0, 2**16))
def test_indicators_equal_method_v1_computed_independently(database_url, hits, seed):
    asyncio.run(_check(database_url, hits, seed))
