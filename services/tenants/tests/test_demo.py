"""The demo register: its shape, and its loader (through the API, idempotent)."""

import pytest

from tenants.common.validation import siren_problem, uai_problem
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


def _small():
    members, projects = build()
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
