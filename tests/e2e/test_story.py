"""The whole story of issue 7, end to end: real processes behind the gateway, real dev-IdP
tokens, each step checking what its user would check.

1. The GIP administrator registers a member, its ENT project and two establishments, and
   gives the ENT an `ent-ingest` client.
2. The ENT sends a week of hits (a replayed batch, some invalid hits); the indicators say
   exactly what was sent.
3. A member administrator (invited through tenants) subscribes to the synthesis notes.
4. The GIP computes, approves and issues the year's allocation; the member administrator
   downloads its invoice as PDF.
5. The member's partner pulls the week's synthesis note (PDF and JSON): its figures are
   measure's.
6. Another member's partner gets 404s.
7. Anyone downloads the week's open data.

Everything created here has fresh identifiers, so the story runs on an empty platform as on
one holding demo data. The steps share one `story` object and run in file order; a step whose
predecessor failed is skipped.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import jwt
import pytest
from e2e_support import client_token, uai, user_token, wrong_uai
from pypdf import PdfReader

pytestmark = pytest.mark.e2e

PARIS = ZoneInfo("Europe/Paris")
# reports asks billing for this option (GIP_REPORTS_NOTES_PRESTATION, services/reports
# README); see `ensure_catalogue` for why the story makes sure it is in the catalogue.
NOTES = "notes-synthese"
PROBLEM = "application/problem+json"
POLL_SECONDS = 30.0
SLOW = 90.0  # PDF rendering and note composition (matplotlib, WeasyPrint) on a busy machine
TOKEN_REUSE_SECONDS = 200.0  # the dev IdP's access tokens live 300 s

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)


# --------------------------------------------------------------------------- plumbing


@dataclass
class Actor:
    """Someone calling the gateway with a token of the dev IdP, taken again before it expires."""

    name: str
    fetch: Callable[[], str]
    _token: str = ""
    _at: float = -1e9

    @property
    def token(self) -> str:
        if time.monotonic() - self._at > TOKEN_REUSE_SECONDS:
            self._token, self._at = self.fetch(), time.monotonic()
        return self._token

    def claims(self) -> dict[str, Any]:
        return dict(jwt.decode(self.token, options={"verify_signature": False}))

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **extra}


@dataclass
class Story:
    """What the steps hand on to each other."""

    stack: Any
    gateway: httpx.Client
    today: date
    suffix: str = field(default_factory=lambda: secrets.token_hex(3))
    done: set[int] = field(default_factory=set)
    admin: Actor | None = None
    member: str = ""
    project: str = ""
    site: str = ""
    uais: list[str] = field(default_factory=list)
    school_years: list[str] = field(default_factory=list)
    headcounts: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    ent: Actor | None = None
    week_start: date = date.min
    week_end: date = date.min
    week_label: str = ""
    sent: list[dict[str, Any]] = field(default_factory=list)  # every hit that was accepted
    member_admin: Actor | None = None
    year: int = 0
    run_id: int = 0
    invoice: str = ""
    partner: Actor | None = None
    note_id: str = ""

    def need(self, *steps: int) -> None:
        missing = [s for s in steps if s not in self.done]
        if missing:
            pytest.skip(f"step(s) {missing} of the story did not complete")

    def call(
        self,
        actor: Actor | None,
        method: str,
        path: str,
        *,
        expect: int | tuple[int, ...] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        sent_headers = actor.headers(**(headers or {})) if actor else dict(headers or {})
        response = self.gateway.request(
            method,
            path,
            headers=sent_headers,
            timeout=timeout or self.gateway.timeout,
            **kwargs,
        )
        if expect is not None:
            wanted = expect if isinstance(expect, tuple) else (expect,)
            who = actor.name if actor else "anonymous"
            assert response.status_code in wanted, (
                f"{who}: {method} {path} → {response.status_code}, expected {wanted}: "
                f"{response.text[:1500]}"
            )
        return response


def paris_today() -> date:
    return datetime.now(PARIS).date()


def school_year_of(day: date) -> str:
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}-{first + 1}"


def last_closed_week(today: date, delay_days: int = 1) -> tuple[date, date]:
    """The latest ISO week reports may publish as open data: its Sunday + `delay_days` is
    before today (reports.open_data.service.is_closed)."""
    sunday = today - timedelta(days=delay_days + 1)
    sunday -= timedelta(days=(sunday.weekday() - 6) % 7)
    return sunday - timedelta(days=6), sunday


def siren(prefix: str) -> str:
    """A SIREN (9 digits, Luhn) starting with `prefix`."""
    body = (prefix + "".join(secrets.choice("0123456789") for _ in range(8)))[:8]
    for last in "0123456789":
        digits = [int(c) for c in body + last]
        total = sum(
            d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits)
        )
        if total % 10 == 0:
            return body + last
    raise AssertionError("unreachable")


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def poll(what: str, check: Callable[[], Any], seconds: float = POLL_SECONDS) -> Any:
    """`check()` until it returns something truthy, for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            assert found, f"{what}: not within {seconds:.0f} s"
            return found
        time.sleep(0.5)


USAGE_SERIES = re.compile(
    r'^http_requests_total\{(?=[^}]*method="POST")(?=[^}]*route="/api/v1/usage")'
    r'(?=[^}]*status="201")[^}]*\}\s+([0-9.e+]+)$',
    re.MULTILINE,
)


def usage_received(story: Story) -> int:
    """How many usage records billing has accepted (its own /metrics, not the gateway's)."""
    text = httpx.get(f"{story.stack.url('billing')}/metrics", timeout=10).text
    return int(sum(float(v) for v in USAGE_SERIES.findall(text)))


def wait_for_usage(story: Story, expected_total: int) -> None:
    """Until reports' outbox has delivered `expected_total` usage records to billing: each new
    note and each partner pull reaches billing, and only once (the count is read again after
    the delivery loop has had time to send a second copy). Waiting after each call tells which
    call a missing or doubled record belongs to. (It once also kept requests from overlapping
    a delivery on SQLite, until reports' read-then-write work took write sessions.)"""
    poll(
        f"billing received {expected_total} usage records",
        lambda: usage_received(story) >= expected_total,
    )
    time.sleep(0.5)  # the loop commits the row's verdict right after billing's answer
    assert usage_received(story) == expected_total


@pytest.fixture(scope="module")
def story(stack, gateway) -> Story:
    return Story(stack=stack, gateway=gateway, today=paris_today())


# --------------------------------------------------------------------------- the hits


def schedule(story: Story) -> list[dict[str, Any]]:
    """A week of hits, simple enough that the expected figures are obvious: four people per
    establishment, each on some days of the week, one burst of three pages a day (three hits
    within nine minutes: one visit by the 30-minute rule), at 17:00-19:00 Paris time."""
    hits = []
    profiles = {1: "1", 2: "1", 3: "2", 4: "3"}  # pupils, pupils, teacher, parent
    for offset in range(7):
        day = story.week_start + timedelta(days=offset)
        for e, establishment in enumerate(story.uais):
            for k in range(1, 5):
                if (offset + k + e) % 3 == 0:
                    continue  # this person stays away that day
                start = datetime(day.year, day.month, day.day, 17 + k % 3, 5 * e, tzinfo=PARIS)
                for n, (minutes, service) in enumerate(((0, "3"), (4, "10"), (9, "3"))):
                    hits.append(
                        {
                            "event_id": f"{story.project}-{offset}-{e}-{k}-{n}",
                            "ts": (start + timedelta(minutes=minutes)).isoformat(),
                            "site": story.site,
                            "uai": establishment,
                            "user": f"perso-{e}-{k}",
                            "profile": profiles[k],
                            "service": service,
                            "page": f"/page/{service}/{n}",
                            "user_agent": IPHONE if k % 2 == 0 else WINDOWS,
                        }
                    )
    return hits


def day_of(hit: dict[str, Any]) -> date:
    return datetime.fromisoformat(hit["ts"]).astimezone(PARIS).date()


def expected(hits: list[dict[str, Any]]) -> dict[str, int]:
    """Method v1 on this data: every (person, day) is one burst, hence one visit; unique
    visitors are distinct persons (pseudonyms change with the school year)."""
    visits = {(h["user"], day_of(h)) for h in hits}
    people = {(h["user"], school_year_of(day_of(h))) for h in hits}
    return {"visits": len(visits), "unique_visitors": len(people), "page_views": len(hits)}


# --------------------------------------------------------------------------- 1. the GIP sets up


def fresh_site(story: Story) -> str:
    for _ in range(20):
        site = f"{secrets.randbelow(900_000) + 100_000}"
        free = story.call(story.admin, "GET", f"/api/v1/projects/by-site/{site}")
        if free.status_code == 404:
            return site
    raise AssertionError("no free site id in 20 draws")


def fresh_uai(story: Story, taken: list[str]) -> str:
    for _ in range(20):
        candidate = uai(f"{secrets.randbelow(10_000_000):07d}")
        if candidate in taken:
            continue
        if story.call(story.admin, "GET", f"/api/v1/establishments/{candidate}").status_code == 404:
            return candidate
    raise AssertionError("no free UAI in 20 draws")


def test_1_gip_admin_registers_member_project_establishments_and_ent_client(story):
    stack = story.stack
    story.admin = Actor("gip-admin (gip-ops)", lambda: client_token(stack, "gip-ops"))
    assert "gip-admin" in story.admin.claims()["realm_access"]["roles"]

    # The school year in progress, and the one billing counts pupils of for this budget
    # year (the one in progress on 1 January): headcounts for both.
    story.year = story.today.year
    story.school_years = sorted(
        {school_year_of(story.today), school_year_of(date(story.year, 1, 1))}
    )
    since = date(int(story.school_years[0][:4]), 9, 1)

    story.member = f"story-{story.suffix}"
    member = story.call(
        story.admin,
        "POST",
        "/api/v1/members",
        expect=201,
        json={
            "slug": story.member,
            "name": f"Département du récit {story.suffix}",
            "kind": "departement",
            "siren": siren("22"),
            "contact_name": "Camille Récit",
            "contact_email": f"contact@{story.member}.example",
            "joined_on": since.isoformat(),
        },
    ).json()
    assert member["college"] == "collectivites"
    assert member["status"] == "active"
    assert member["idp_status"] == "provisioned", member

    for n in range(2):
        code = fresh_uai(story, story.uais)
        created = story.call(
            story.admin,
            "POST",
            "/api/v1/establishments",
            expect=201,
            json={
                "uai": code,
                "name": f"Collège du récit {n + 1} {story.suffix}",
                "type": "college",
                "commune": "Nanterre",
                "academie": "Versailles",
            },
        ).json()
        assert created["uai"] == code
        story.uais.append(code)
        pupils, teachers, staff = 400 + 100 * n, 30 + n, 12 + n
        story.headcounts[code] = (pupils, teachers, staff)
        for school_year in story.school_years:
            put = story.call(
                story.admin,
                "PUT",
                f"/api/v1/establishments/{code}/headcounts/{school_year}",
                expect=200,
                json={"pupils": pupils, "teachers": teachers, "staff": staff},
            ).json()
            assert (put["school_year"], put["pupils"]) == (school_year, pupils)

    story.site = fresh_site(story)
    story.project = f"ent-{story.member}"
    project = story.call(
        story.admin,
        "POST",
        "/api/v1/projects",
        expect=201,
        json={
            "slug": story.project,
            "name": f"ENT du récit {story.suffix}",
            "vendor": "Kosmos",
            "site_id": story.site,
            "responsible": story.member,
        },
    ).json()
    assert project["responsible_member"] == story.member
    assert project["site_id"] == story.site
    for code in story.uais:
        attached = story.call(
            story.admin,
            "POST",
            f"/api/v1/projects/{story.project}/memberships",
            expect=201,
            json={"uai": code, "valid_from": since.isoformat()},
        ).json()
        assert (attached["uai"], attached["valid_to"]) == (code, None)

    on_site = story.call(
        story.admin, "GET", f"/api/v1/projects/by-site/{story.site}", expect=200
    ).json()
    assert on_site["slug"] == story.project
    listed = story.call(
        story.admin,
        "GET",
        f"/api/v1/projects/{story.project}/establishments",
        params={"on": story.today.isoformat()},
        expect=200,
    ).json()
    assert sorted(e["uai"] for e in listed["items"]) == sorted(story.uais)
    covered = story.call(
        story.admin,
        "GET",
        f"/api/v1/members/{story.member}/headcount",
        params={"school_year": school_year_of(story.today)},
        expect=200,
    ).json()
    assert covered["establishments"] == 2
    assert covered["pupils"] == sum(h[0] for h in story.headcounts.values())
    assert covered["projects"] == [story.project]

    # The ENT's server-to-server client: the secret is in this answer only.
    created = story.call(
        story.admin,
        "POST",
        "/api/v1/clients",
        expect=201,
        json={"member": story.member, "kind": "ent-ingest"},
    )
    assert "no-store" in created.headers.get("cache-control", "")
    ent = created.json()
    assert ent["kind"] == "ent-ingest" and ent["member"] == story.member and ent["enabled"]
    assert ent["client_secret"], ent
    shown = story.call(story.admin, "GET", f"/api/v1/clients/{ent['client_id']}", expect=200)
    assert "client_secret" not in shown.json()

    client_id, secret = ent["client_id"], ent["client_secret"]
    story.ent = Actor(f"ENT client {client_id}", lambda: client_token(stack, client_id, secret))
    claims = story.ent.claims()
    assert "ent-ingest" in claims["realm_access"]["roles"]
    assert claims["organization"] in (story.member, [story.member])
    assert claims["aud"] == "gip-api" or "gip-api" in claims["aud"]
    story.done.add(1)


# --------------------------------------------------------------------------- 2. a week of hits


def test_2_ent_sends_a_week_of_hits_and_the_indicators_say_exactly_that(story):
    story.need(1)
    story.week_start, story.week_end = last_closed_week(story.today)
    iso = story.week_start.isocalendar()
    story.week_label = f"{iso.year}-W{iso.week:02d}"
    hits = schedule(story)
    first = [h for h in hits if day_of(h) < story.week_start + timedelta(days=4)]
    second = [h for h in hits if day_of(h) >= story.week_start + timedelta(days=4)]
    assert first and second

    answer = story.call(story.ent, "POST", "/api/v1/hits", expect=200, json=first).json()
    assert answer == {
        "accepted": len(first),
        "duplicates": 0,
        "conflicts": 0,
        "unknown_services": 0,
        "errors": [],
    }

    # The second batch carries a retry of six hits of the first, a hit whose UAI has the wrong
    # key letter, and one for a site nobody registered.
    unknown_site = fresh_site(story)
    bad_key = {
        **second[0],
        "event_id": f"{story.project}-bad-uai",
        "uai": wrong_uai(story.uais[0][:7]),
        "user": "intrus-1",
    }
    bad_site = {
        **second[0],
        "event_id": f"{story.project}-bad-site",
        "site": unknown_site,
        "user": "intrus-2",
    }
    batch = [*second[:3], bad_key, *first[:6], *second[3:], bad_site]
    response = story.call(story.ent, "POST", "/api/v1/hits", expect=207, json=batch)
    answer = response.json()
    assert answer["accepted"] == len(second), answer
    assert answer["duplicates"] == 6
    assert answer["conflicts"] == 0
    errors = {(e["index"], e["field"]) for e in answer["errors"]}
    assert errors == {(3, "uai"), (len(batch) - 1, "site")}, answer["errors"]
    by_index = {e["index"]: e["reason"] for e in answer["errors"]}
    assert "key letter" in by_index[3]

    # The whole first batch again (a retry after a lost answer): nothing counted twice.
    replay = story.call(story.ent, "POST", "/api/v1/hits", expect=200, json=first).json()
    assert (replay["accepted"], replay["duplicates"], replay["errors"]) == (0, len(first), [])

    story.sent = hits
    want = expected(hits)
    assert want["unique_visitors"] == 8

    period = {"from": story.week_start.isoformat(), "to": story.week_end.isoformat()}

    def totals() -> dict[str, Any] | None:
        got = story.call(
            story.admin,
            "GET",
            "/api/v1/indicators",
            params={"scope": f"project:{story.project}", **period},
            expect=200,
        ).json()
        return got if got["totals"] == want else None

    # Rollups are written with the hits; a short poll allows for an asynchronous re-cut.
    indicators = poll("the project's indicators equal what was sent", totals)
    assert (indicators["from"], indicators["to"]) == (period["from"], period["to"])
    assert indicators["unique_visitors_method"] == "exact"
    assert indicators["projects"] == 1
    assert indicators["method_version"]

    by_day = story.call(
        story.admin,
        "GET",
        "/api/v1/indicators",
        params={"scope": f"project:{story.project}", "group_by": "day", **period},
        expect=200,
    ).json()
    visits_by_day = Counter(d.isoformat() for _, d in {(h["user"], day_of(h)) for h in hits})
    assert {g["key"]: g["visits"] for g in by_day["groups"] if g["visits"]} == dict(visits_by_day)
    pages_by_day = Counter(day_of(h).isoformat() for h in hits)
    assert {g["key"]: g["page_views"] for g in by_day["groups"] if g["page_views"]} == dict(
        pages_by_day
    )

    for code in story.uais:
        own = expected([h for h in hits if h["uai"] == code])
        got = story.call(
            story.admin,
            "GET",
            "/api/v1/indicators",
            params={"scope": f"uai:{code}", **period},
            expect=200,
        ).json()
        assert got["totals"] == own, code
    story.done.add(2)


# --------------------------------------------------------------------------- 3. subscription


def ensure_catalogue(story: Story, year: int) -> None:
    """The budget year and its catalogue, created as gip-admin when the platform has none
    (no demo data). The notes option must be under the code reports asks billing about,
    `notes-synthese`: billing's demo catalogue names it `notes` (a contract mismatch reported
    with this test), so the story adds it when it is missing."""
    if story.call(story.admin, "GET", f"/api/v1/budget-years/{year}").status_code == 404:
        story.call(
            story.admin,
            "POST",
            "/api/v1/budget-years",
            expect=(201, 409),  # 409: opened meanwhile by someone else
            json={"year": year, "label": f"Exercice {year}"},
        )
    catalogue = story.call(
        story.admin, "GET", f"/api/v1/budget-years/{year}/prestations", expect=200
    ).json()
    codes = {p["code"]: p for p in catalogue}
    if not any(p["kind"] == "base" for p in catalogue):
        story.call(
            story.admin,
            "POST",
            f"/api/v1/budget-years/{year}/prestations",
            expect=201,
            json={
                "code": "mesure",
                "label": "Service commun de mesure d'audience des ENT",
                "kind": "base",
                "cost_cents": 32_700_000,
                "key": "students",
                "colleges": ["cdc", "collectivites", "state"],
            },
        )
    if NOTES not in codes:
        story.call(
            story.admin,
            "POST",
            f"/api/v1/budget-years/{year}/prestations",
            expect=(201, 409),
            json={
                "code": NOTES,
                "label": "Notes de synthèse trimestrielles",
                "kind": "option",
                "cost_cents": 0,
                "key": "fixed_price",
                "unit_price_cents": 300_000,
                "vat_rate_bp": 2000,
                "colleges": ["cdc", "collectivites", "state"],
            },
        )
    else:
        assert codes[NOTES]["kind"] == "option", codes[NOTES]


def test_3_member_administrator_subscribes_to_the_synthesis_notes(story):
    story.need(1, 2)
    stack = story.stack
    # The member administrator is a person: tenants invites them into the member's IdP
    # organisation (POST /api/v1/members/{slug}/users, which calls the IdP's admin API).
    # The invitation e-mail's "set your password" link is played by the IdP's admin API
    # (reset-password, what Keycloak's UPDATE_PASSWORD action ends in); then the person logs
    # in on the console client with the authorization code + PKCE, as in a browser. A
    # machine client cannot stand in: tenants only makes `ent-ingest` and `partner` clients.
    username = f"admin.{story.member}"
    invited = story.call(
        story.admin,
        "POST",
        f"/api/v1/members/{story.member}/users",
        expect=201,
        json={
            "email": f"{username}@{story.member}.example",
            "username": username,
            "role": "member-admin",
            "first_name": "Camille",
            "last_name": "Récit",
        },
    ).json()
    assert invited["roles"] == ["member-admin"]
    users = story.call(
        story.admin, "GET", f"/api/v1/members/{story.member}/users", expect=200
    ).json()
    assert [u["username"] for u in users["items"]] == [username]

    password = secrets.token_urlsafe(12)
    set_password = httpx.put(
        f"{stack.idp_url}/admin/realms/gip/users/{invited['id']}/reset-password",
        headers=story.admin.headers(),
        json={"type": "password", "value": password, "temporary": False},
        timeout=10,
    )
    assert set_password.status_code == 204, set_password.text
    story.member_admin = Actor(
        f"member-admin {username}", lambda: user_token(stack, username, password)
    )
    claims = story.member_admin.claims()
    assert "member-admin" in claims["realm_access"]["roles"]
    assert "gip-admin" not in claims["realm_access"]["roles"]
    assert claims["organization"] == [story.member]

    # The member administrator sees its member, and only it.
    members = story.call(story.member_admin, "GET", "/api/v1/members", expect=200).json()
    assert [m["slug"] for m in members["items"]] == [story.member]

    # The notes must cover the note's last day (to generate) and today (to read).
    years = sorted({story.year, story.week_end.year})
    for year in years:
        ensure_catalogue(story, year)
        offer = story.call(
            story.member_admin, "GET", f"/api/v1/budget-years/{year}/prestations", expect=200
        ).json()
        assert NOTES in {p["code"] for p in offer}
        subscribed = story.call(
            story.member_admin,
            "POST",
            "/api/v1/subscriptions",
            expect=201,
            json={"member": story.member, "year": year, "prestation": NOTES},
        ).json()
        assert subscribed["member"] == story.member
        assert subscribed["status"] == "active"
        assert subscribed["starts_on"] == f"{year}-01-01"

    # Its own subscriptions only; and it cannot subscribe somebody else.
    mine = story.call(story.member_admin, "GET", "/api/v1/subscriptions", expect=200).json()
    assert {s["member"] for s in mine["items"]} == {story.member}
    assert len(mine["items"]) == len(years)
    other = story.call(
        story.member_admin,
        "POST",
        "/api/v1/subscriptions",
        expect=403,
        json={"member": "hauts-de-seine", "year": story.year, "prestation": NOTES},
    )
    assert other.headers["content-type"] == PROBLEM

    entitled = story.call(
        story.admin,
        "GET",
        "/api/v1/entitlements",
        params={"member": story.member, "prestation": NOTES, "project": story.project},
        expect=200,
    ).json()
    assert entitled["entitled"] is True, entitled
    story.done.add(3)


# --------------------------------------------------------------------------- 4. allocation


def test_4_gip_allocates_approves_issues_and_the_member_downloads_its_invoice(story):
    story.need(3)
    created = story.call(
        story.admin, "POST", "/api/v1/allocations", expect=202, json={"year": story.year}
    ).json()
    story.run_id = created["id"]
    assert created["status"] in ("computing", "draft")

    def computed() -> dict[str, Any] | None:
        run = story.call(
            story.admin, "GET", f"/api/v1/allocations/{story.run_id}", expect=200
        ).json()
        return run if run["status"] != "computing" else None

    run = poll("the draft run is computed", computed)
    assert run["status"] == "draft", run
    assert run["error"] is None

    lines = story.call(
        story.admin,
        "GET",
        f"/api/v1/allocations/{story.run_id}/lines",
        params={"member": story.member, "limit": 500},
        expect=200,
    ).json()["items"]
    by_prestation = {line["prestation"]: line for line in lines}
    assert NOTES in by_prestation, lines
    assert by_prestation[NOTES]["amount_cents"] > 0
    base = [line for line in lines if line["prestation"] != NOTES and line["key"] == "students"]
    if base:  # a base shared by pupils counts the member's establishments, as tenants does
        school_year = story.call(
            story.admin, "GET", f"/api/v1/budget-years/{story.year}", expect=200
        ).json()["school_year"]
        covered = story.call(
            story.admin,
            "GET",
            f"/api/v1/members/{story.member}/headcount",
            params={"school_year": school_year},
            expect=200,
        ).json()
        assert base[0]["key_value"] == covered["pupils"]
        if school_year in story.school_years:
            assert covered["pupils"] == sum(h[0] for h in story.headcounts.values())

    approved = story.call(
        story.admin, "POST", f"/api/v1/allocations/{story.run_id}/approve", expect=200
    ).json()
    assert approved["status"] == "approved"
    assert approved["approved_at"]

    issued = story.call(
        story.admin, "POST", f"/api/v1/allocations/{story.run_id}/issue", expect=200
    ).json()
    assert story.member not in issued["skipped"], issued

    # The member administrator lists its invoices (its own only) and downloads the PDF.
    invoices = story.call(
        story.member_admin,
        "GET",
        "/api/v1/invoices",
        params={"year": story.year},
        expect=200,
    ).json()["items"]
    assert invoices, "the member administrator sees no invoice"
    assert {i["member"] for i in invoices} == {story.member}
    invoice = next(i for i in invoices if i["run_id"] == story.run_id)
    assert invoice["number"] in issued["issued"]
    assert invoice["number"].startswith(f"GIP-{story.year}-")
    assert invoice["total_ttc_cents"] == invoice["total_ht_cents"] + invoice["total_vat_cents"]
    assert NOTES in {line["prestation"] for line in invoice["lines"]}
    story.invoice = invoice["number"]

    pdf = story.call(
        story.member_admin,
        "GET",
        f"/api/v1/invoices/{story.invoice}/pdf",
        expect=200,
        timeout=SLOW,
    )
    assert pdf.headers["content-type"].split(";")[0] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert story.invoice in pdf_text(pdf.content)

    # Approving stays the GIP's.
    story.call(
        story.member_admin, "POST", f"/api/v1/allocations/{story.run_id}/approve", expect=403
    )
    story.done.add(4)


# --------------------------------------------------------------------------- 5. partner


def test_5_partner_pulls_the_weeks_note_as_pdf_and_json_matching_the_indicators(story):
    story.need(3)
    stack = story.stack
    # The member administrator makes its partner's client itself (self-service).
    made = story.call(
        story.member_admin,
        "POST",
        "/api/v1/clients",
        expect=201,
        json={"member": story.member, "kind": "partner", "name": f"Partenaire {story.suffix}"},
    ).json()
    client_id, secret = made["client_id"], made["client_secret"]
    assert secret and made["kind"] == "partner"
    story.partner = Actor(f"partner {client_id}", lambda: client_token(stack, client_id, secret))
    claims = story.partner.claims()
    assert "partner" in claims["realm_access"]["roles"]
    assert claims["organization"] in (story.member, [story.member])

    # Every new note and every partner read is metered to billing; the story waits for each
    # record to arrive before the next call (see wait_for_usage).
    metered = usage_received(story)
    scope = f"project:{story.project}"
    period = {"from": story.week_start.isoformat(), "to": story.week_end.isoformat()}
    generated = story.call(
        story.partner,
        "POST",
        "/api/v1/notes",
        expect=201,
        json={"scope": scope, "period": period},
        timeout=SLOW,
    )
    note = generated.json()
    story.note_id = note["id"]
    assert generated.headers["location"] == f"/api/v1/notes/{story.note_id}"
    assert note["scope"] == scope
    assert (note["period"]["start"], note["period"]["end"]) == (period["from"], period["to"])
    metered += 1
    wait_for_usage(story, metered)

    listed = story.call(
        story.partner, "GET", "/api/v1/notes", params={"scope": scope}, expect=200
    ).json()
    assert [n["id"] for n in listed["items"]] == [story.note_id]

    as_pdf = story.call(
        story.partner,
        "GET",
        f"/api/v1/notes/{story.note_id}",
        headers={"Accept": "application/pdf"},
        expect=200,
        timeout=SLOW,
    )
    assert as_pdf.headers["content-type"].split(";")[0] == "application/pdf"
    assert as_pdf.content.startswith(b"%PDF-")
    text = pdf_text(as_pdf.content)
    metered += 1
    wait_for_usage(story, metered)
    # A copy the partner holds is not sent again (nor metered).
    again = story.call(
        story.partner,
        "GET",
        f"/api/v1/notes/{story.note_id}",
        headers={"Accept": "application/pdf", "If-None-Match": as_pdf.headers["etag"]},
        expect=304,
        timeout=SLOW,
    )
    assert not again.content

    as_json = story.call(
        story.partner,
        "GET",
        f"/api/v1/notes/{story.note_id}",
        headers={"Accept": "application/json"},
        expect=200,
    )
    assert as_json.headers["content-type"].startswith("application/json")
    figures = as_json.json()["figures"]
    headline = {k: v["value"] for k, v in figures["headline"].items()}
    metered += 1
    wait_for_usage(story, metered)

    measured = story.call(
        story.admin,
        "GET",
        "/api/v1/indicators",
        params={"scope": scope, **period},
        expect=200,
    ).json()
    assert headline == measured["totals"] == expected(story.sent)
    assert figures["method_version"] == measured["method_version"]
    assert figures["scope"]["id"] == scope
    # The PDF tells the same headline (numbers below 1,000 read the same in fr-FR).
    for value in headline.values():
        assert str(value) in text, (value, text[:2000])

    # The same figures through reports' partner API.
    pulled = story.call(
        story.partner,
        "GET",
        "/api/v1/partner/indicators",
        params={"scope": scope, **period},
        expect=200,
    ).json()
    assert pulled["totals"] == measured["totals"]
    metered += 1
    wait_for_usage(story, metered)

    # The quarter's note (the issue's wording): the quarter holding the week, as PDF and JSON,
    # its headline equal to measure's indicators over the same quarter.
    quarter = f"{story.week_end.year}-Q{(story.week_end.month - 1) // 3 + 1}"
    quarterly = story.call(
        story.partner,
        "POST",
        "/api/v1/notes",
        expect=201,
        json={"scope": scope, "period": quarter},
        timeout=SLOW,
    ).json()
    metered += 1
    wait_for_usage(story, metered)
    quarter_pdf = story.call(
        story.partner,
        "GET",
        f"/api/v1/notes/{quarterly['id']}",
        headers={"Accept": "application/pdf"},
        expect=200,
        timeout=SLOW,
    )
    assert quarter_pdf.content.startswith(b"%PDF-")
    metered += 1
    wait_for_usage(story, metered)
    quarter_json = story.call(
        story.partner,
        "GET",
        f"/api/v1/notes/{quarterly['id']}",
        headers={"Accept": "application/json"},
        expect=200,
    ).json()
    metered += 1
    wait_for_usage(story, metered)
    quarter_measured = story.call(
        story.admin,
        "GET",
        "/api/v1/indicators",
        params={"scope": scope, "period": quarter},
        expect=200,
    ).json()
    quarter_headline = {k: v["value"] for k, v in quarter_json["figures"]["headline"].items()}
    # (The week may straddle two quarters: the quarter holds some or all of its hits.)
    assert quarter_headline == quarter_measured["totals"]
    assert 0 < quarter_measured["totals"]["page_views"] <= expected(story.sent)["page_views"]
    story.done.add(5)


# --------------------------------------------------------------------------- 6. another tenant


def test_6_another_members_partner_gets_404s(story):
    story.need(5)
    stranger = Actor(
        "demo-partner (hauts-de-seine)", lambda: client_token(story.stack, "demo-partner")
    )
    organisation = stranger.claims().get("organization") or []
    assert story.member not in ([organisation] if isinstance(organisation, str) else organisation)
    scope = f"project:{story.project}"
    period = {"from": story.week_start.isoformat(), "to": story.week_end.isoformat()}
    answers = [
        story.call(
            stranger,
            "GET",
            f"/api/v1/notes/{story.note_id}",
            headers={"Accept": "application/json"},
        ),
        story.call(
            stranger,
            "GET",
            f"/api/v1/notes/{story.note_id}",
            headers={"Accept": "application/pdf"},
        ),
        story.call(stranger, "POST", "/api/v1/notes", json={"scope": scope, "period": period}),
        story.call(
            stranger, "GET", "/api/v1/partner/indicators", params={"scope": scope, **period}
        ),
        story.call(
            stranger,
            "GET",
            "/api/v1/partner/indicators",
            params={"scope": f"member:{story.member}", **period},
        ),
        story.call(
            stranger,
            "GET",
            "/api/v1/partner/indicators",
            params={"scope": f"uai:{story.uais[0]}", **period},
        ),
    ]
    for answer in answers:
        request = f"{answer.request.method} {answer.request.url}"
        assert answer.status_code == 404, f"{request} → {answer.status_code}: {answer.text[:500]}"
        assert answer.headers["content-type"] == PROBLEM, request
        problem = answer.json()
        assert problem["status"] == 404
    listed = story.call(
        stranger, "GET", "/api/v1/notes", params={"scope": scope}, expect=200
    ).json()
    assert listed["items"] == []
    story.done.add(6)


# --------------------------------------------------------------------------- 7. open data


def test_7_anyone_downloads_the_weeks_open_data(story):
    story.need(2)
    week = story.week_label
    published = story.call(
        story.admin, "PUT", f"/api/v1/open-data/{week}", expect=(200, 201), timeout=SLOW
    )
    # 201: published now, with this story's hits. 200: the week had been published before
    # (published files never change), so this story's establishments cannot be in it.
    fresh = published.status_code == 201

    # From here on, no token at all.
    anyone = None
    releases = story.call(anyone, "GET", "/api/v1/open-data", expect=200).json()
    assert week in [r["week"] for r in releases["items"]]
    release = story.call(anyone, "GET", f"/api/v1/open-data/{week}", expect=200).json()
    assert (release["week_start"], release["week_end"]) == (
        story.week_start.isoformat(),
        story.week_end.isoformat(),
    )
    assert "Licence Ouverte" in release["licence"]
    files = {f["name"]: f for f in release["files"]}
    csv_name = f"etablissements-hebdo-{week}.csv"
    assert {"datapackage.json", csv_name} <= set(files)

    package = story.call(anyone, "GET", f"/api/v1/open-data/{week}/datapackage.json", expect=200)
    assert package.headers["content-type"].startswith("application/json")
    descriptor = package.json()
    assert descriptor["licenses"][0]["name"] == "etalab-2.0"
    resource = next(r for r in descriptor["resources"] if r["path"].endswith(".csv"))
    fields = [f["name"] for f in resource["schema"]["fields"]]
    assert {"uai", "semaine", "visites", "visiteurs_uniques", "pages_vues"} <= set(fields)

    table = story.call(anyone, "GET", f"/api/v1/open-data/{week}/{csv_name}", expect=200)
    assert table.headers["content-type"].startswith("text/csv")
    delimiter = (resource.get("dialect") or {}).get("delimiter", ",")
    rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8-sig")), delimiter=delimiter))
    assert len(rows) == release["rows"]
    if rows:
        assert list(rows[0]) == fields
    if not fresh:
        story.done.add(7)
        return
    ours = {r["uai"]: r for r in rows if r["uai"] in story.uais}
    assert set(ours) == set(story.uais), rows
    for code, row in ours.items():
        own = expected([h for h in story.sent if h["uai"] == code])
        # Four people each: above the secrecy threshold, so the row's totals are published.
        assert row["semaine"] == story.week_start.isoformat()
        assert int(row["visites"]) == own["visits"], row
        assert int(row["visiteurs_uniques"]) == own["unique_visitors"], row
        assert int(row["pages_vues"]) == own["page_views"], row
    story.done.add(7)
