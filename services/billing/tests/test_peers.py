"""billing.peers against the assumed contracts of tenants and measure (respx)."""

from datetime import date

import httpx
import pytest
import respx

from billing import peers
from gipkit.http import PeerError, ServiceClient

pytestmark = pytest.mark.anyio

T, M = "http://tenants.test", "http://measure.test"


@pytest.fixture
async def clients():
    made = {
        "tenants": ServiceClient("tenants", T, tokens=None, retries=0),
        "measure": ServiceClient("measure", M, tokens=None, retries=0),
    }
    yield made
    for c in made.values():
        await c.aclose()


def member(slug, **kw):
    return {
        "slug": slug,
        "name": slug.title(),
        "kind": "commune",
        "college": "collectivites",
        "siren": None,
        "left_on": None,
        **kw,
    }


@respx.mock
async def test_members_are_read_page_by_page(clients):
    route = respx.get(f"{T}/api/v1/members")
    route.side_effect = [
        httpx.Response(200, json={"items": [member("a")], "next_cursor": "1"}),
        httpx.Response(
            200, json={"items": [member("b", left_on="2025-08-31")], "next_cursor": None}
        ),
    ]
    found = await peers.members(clients, page_size=1)
    assert [m.slug for m in found] == ["a", "b"] and found[1].left_on == date(2025, 8, 31)
    assert route.calls[1].request.url.params["cursor"] == "1"
    assert route.calls[0].request.url.params["limit"] == "1"


@respx.mock
async def test_headcount_and_visits(clients):
    respx.get(f"{T}/api/v1/members/a/headcount", params={"school_year": "2025-2026"}).respond(
        json={"member": "a", "school_year": "2025-2026", "pupils": 1234}
    )
    respx.get(f"{T}/api/v1/members/b/headcount").respond(404, json={"status": 404, "title": "x"})
    assert await peers.pupils(clients, member="a", school_year="2025-2026") == 1234
    assert await peers.pupils(clients, member="b", school_year="2025-2026") == 0
    visits = respx.get(f"{M}/api/v1/indicators")
    visits.side_effect = [
        httpx.Response(200, json={"totals": {"visits": 7}, "method_version": "v1"}),
        httpx.Response(
            200,
            json={
                "total": {"visits": 9, "page_views": 20},
                "method_version": "v1",
                "data_cutoff": "2026-01-01T00:00:00Z",
            },
        ),
    ]
    first = await peers.visits(clients, member="a", start=date(2025, 1, 1), end=date(2025, 12, 31))
    second = await peers.visits(clients, member="a", start=date(2025, 1, 1), end=date(2025, 12, 31))
    assert (first.visits, second.visits, second.method_version) == (7, 9, "v1")
    params = visits.calls[0].request.url.params
    assert (params["scope"], params["from"], params["to"]) == (
        "member:a",
        "2025-01-01",
        "2025-12-31",
    )


@respx.mock
async def test_an_unexpected_shape_is_the_peers_fault(clients):
    respx.get(f"{T}/api/v1/members").respond(json={"members": []})
    with pytest.raises(PeerError):
        await peers.members(clients)
