"""The demo register: its shape, and its loader (through the API, idempotent)."""

from datetime import date

import pytest

from gipkit.uai import uai_problem
from tenants.common.validation import school_year_of, siren_problem
from tenants.demo import Loader
from tenants.demo_data import HAUTS_DE_SEINE_USERS, SCHOOL_YEARS, build

pytestmark = pytest.mark.anyio


def test_register_is_shaped_on_the_report():
    members, projects = build()
    colleges = {m.kind for m in members}
    assert {"cdc", "ministry", "academie", "region", "departement", "commune"} <= colleges
    assert [m.slug for m in members if m.kind == "academie"] == ["ac-versailles", "ac-clermont"]
    assert len(projects) == 4
    schools = [e for p in projects for e, _ in p.establishments]
    assert 300 <= len(schools) <= 400
    assert len({e.uai for e in schools}) == len(schools)
    assert all(uai_problem(e.uai) is None for e in schools)
    assert all(siren_problem(m.siren) is None for m in members if m.siren)
    enc92 = next(p for p in projects if p.responsible == "hauts-de-seine")
    users = sum(sum(e.headcounts[SCHOOL_YEARS[-1]]) for e, _ in enc92.establishments)
    assert abs(users - HAUTS_DE_SEINE_USERS) < 100
    # As in 2013: 63 % of the collèges of the 92 in the first wave.
    first_wave = [d for _, d in enc92.establishments if d == "2011-09-01"]
    assert round(100 * len(first_wave) / len(enc92.establishments)) == 63


def test_register_is_deterministic():
    assert build()[1][0].establishments[5][0] == build()[1][0].establishments[5][0]


def _billing_school_year(day: date) -> str:
    """The school year whose pupils `python -m billing demo` counts when run on `day`: its
    budget year is `day`'s calendar year, whose school year defaults to the one in progress
    on 1 January (billing.catalogue.service.create_year)."""
    return f"{day.year - 1}-{day.year}"


@pytest.mark.parametrize(
    "day",
    [date(2025, 3, 1), date(2026, 11, 29), date(2027, 1, 1), date(2027, 9, 1), date(2031, 6, 15)],
)
def test_headcounts_follow_the_calendar(day):
    # Fixed school years ran out on 1 January 2027: billing's demo year then asked for
    # 2026-2027 and found no pupils anywhere ("every students value is zero").
    _, projects = build(day)
    wanted = {_billing_school_year(day), school_year_of(day), *SCHOOL_YEARS}
    for project in projects:
        for school, _ in project.establishments:
            assert wanted <= set(school.headcounts), (school.uai, day)
            assert all(pupils > 0 for pupils, _, _ in school.headcounts.values())
    # The generated years do not depend on the day (an earlier load stays as it was).
    assert (
        build(day)[1][0].establishments[7][0].headcounts["2025-2026"]
        == (build(date(2025, 3, 1))[1][0].establishments[7][0].headcounts["2025-2026"])
    )


def _small(day: date | None = None):
    members, projects = build(day)
    for p in projects:
        p.establishments = p.establishments[:4]
    return members, projects


async def test_loader_goes_through_the_api_and_is_idempotent(api, idp):
    client = api.client
    client.headers.update(api.headers("gip-admin"))
    first = await Loader(client, _small()).load()
    assert first.created == {
        "members": 8,
        "establishments": 16,
        "networks": 8,
        "projects": 4,
        "memberships": 16,
    }
    assert idp.org_by_alias("hauts-de-seine") is not None
    second = await Loader(client, _small()).load()
    assert second.created == {"establishments": 0}
    assert second.existing["memberships"] == 16
    assert len(idp.orgs) == 8

    headcount = await api.get(
        "/api/v1/members/hauts-de-seine/headcount",
        params={"school_year": SCHOOL_YEARS[-1], "on": "2015-01-01"},
    )
    assert headcount.json()["establishments"] == 4


async def test_demo_funders_have_pupils_in_the_year_billing_allocates(api, idp):
    # What billing asks (role service, default `on`) for its demo budget year, after the
    # demo was loaded: every member that funds a project covers pupils.
    day = date(2027, 2, 1)
    api.client.headers.update(api.headers("gip-admin"))
    _, projects = _small(day)
    await Loader(api.client, _small(day)).load()
    funders = {m for p in projects for m in (p.responsible, *p.cofunders)}
    assert funders
    for member in sorted(funders):
        response = await api.get(
            f"/api/v1/members/{member}/headcount",
            params={"school_year": _billing_school_year(day)},
            as_=("service", None),
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["pupils"] > 0, body
        assert body["without_headcount"] == 0, body
