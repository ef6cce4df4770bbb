"""reports.peers against the contracts (brief's and measure/tenants' current shapes), over
gipkit's ServiceClient with a mock transport."""

import json
from datetime import UTC, date, datetime

import httpx
import pytest

from gipkit.http import PeerError, ServiceClient
from reports import peers

pytestmark = pytest.mark.anyio


def clients(handler):
    transport = httpx.MockTransport(handler)
    return {
        name: ServiceClient(name, f"http://{name}", tokens=None, retries=0, transport=transport)
        for name in ("measure", "billing", "tenants")
    }


MEASURE_SHAPE = {  # measure's own answer (issue 3's service)
    "scope": "project:ent92",
    "from": "2025-09-01",
    "to": "2026-03-31",
    "group_by": "month",
    "method_version": "v1",
    "data_cutoff": "2026-04-01T02:00:00Z",
    "unique_visitors_method": "exact",
    "projects": ["ent92"],
    "total": {"visits": 10, "unique_visitors": 4, "page_views": 30},
    "groups": [
        {
            "key": "2025-10",
            "label": "octobre 2025",
            "visits": 10,
            "unique_visitors": 4,
            "page_views": 30,
            "previous": {"visits": 7, "unique_visitors": 3, "page_views": 20},
        },
    ],
    "previous_year": {
        "from": "2024-09-01",
        "to": "2025-03-31",
        "total": {"visits": 7, "unique_visitors": 3, "page_views": 20},
        "evolution": {"visits": 0.43, "unique_visitors": 0.33, "page_views": 0.5},
    },
    "notes": [],
}


async def test_indicators_query_and_measure_shape():
    seen = []

    def handler(request):
        seen.append(request.url)
        return httpx.Response(200, json=MEASURE_SHAPE)

    answer = await peers.indicators(
        clients(handler),
        scope="project:ent92",
        date_from=date(2025, 9, 1),
        date_to=date(2026, 3, 31),
        group_by="month",
        compare=True,
    )
    assert seen[0].path == "/api/v1/indicators"
    assert dict(seen[0].params) == {
        "scope": "project:ent92",
        "from": "2025-09-01",
        "to": "2026-03-31",
        "group_by": "month",
        "compare": "previous_year",
    }
    assert answer.totals.visits == 10 and answer.previous_totals.visits == 7
    assert answer.previous_groups[0].key == "2025-10" and answer.previous_groups[0].visits == 7
    assert answer.data_cutoff == datetime(2026, 4, 1, 2, tzinfo=UTC)


async def test_unreadable_answers_are_peer_errors():
    with pytest.raises(PeerError):
        await peers.indicators(
            clients(lambda r: httpx.Response(200, json={"groups": []})),
            scope="national",
            date_from=date(2026, 1, 1),
            date_to=date(2026, 1, 1),
        )
    with pytest.raises(PeerError):
        await peers.establishments(
            clients(lambda r: httpx.Response(200, json={"items": [{"x": 1}]}))
        )


async def test_tenants_pages_and_404():
    def handler(request):
        if request.url.path == "/api/v1/members/nobody":
            return httpx.Response(404, json={"title": "Not Found", "status": 404})
        if request.url.path == "/api/v1/projects":
            assert request.url.params["limit"] == "500"
            if "cursor" not in request.url.params:
                return httpx.Response(
                    200,
                    json={
                        "items": [
                            {
                                "slug": "ent92",
                                "name": "ENT 92",
                                "site_id": "100092",
                                "funders": [{"member": "hauts-de-seine", "responsible": True}],
                            }
                        ],
                        "next_cursor": "a",
                    },
                )
            return httpx.Response(
                200,
                json={
                    "items": [{"slug": "x", "name": "X", "members": ["ile-de-france"]}],
                    "next_cursor": None,
                },
            )
        return httpx.Response(500)

    c = clients(handler)
    assert await peers.member(c, "nobody") is None
    projects = await peers.projects(c)
    assert [(p.slug, p.members) for p in projects] == [
        ("ent92", ("hauts-de-seine",)),
        ("x", ("ile-de-france",)),
    ]


async def test_billing_entitlement_and_usage():
    posted = []

    def handler(request):
        if request.url.path == "/api/v1/entitlements":
            assert dict(request.url.params) == {
                "member": "hauts-de-seine",
                "prestation": "notes-synthese",
                "on": "2026-03-31",
                "project": "ent92",
            }
            return httpx.Response(
                200, json={"entitled": True, "prestation": "notes-synthese", "subscription_id": 4}
            )
        posted.append((request.headers["Idempotency-Key"], json.loads(request.content)))
        return httpx.Response(201, json={"id": 1})

    c = clients(handler)
    found = await peers.entitlement(
        c,
        member="hauts-de-seine",
        project="ent92",
        prestation="notes-synthese",
        on=date(2026, 3, 31),
    )
    assert found.entitled and found.subscription_id == 4
    await peers.record_usage(
        c,
        idempotency_key="note-abc",
        member="hauts-de-seine",
        prestation="notes-synthese",
        kind="note_generated",
        quantity=1,
        occurred_at=datetime(2026, 4, 1, tzinfo=UTC),
        reference="abc",
    )
    assert posted == [
        (
            "note-abc",
            {
                "member": "hauts-de-seine",
                "prestation": "notes-synthese",
                "kind": "note_generated",
                "quantity": 1,
                "occurred_at": "2026-04-01T00:00:00+00:00",
                "reference": "abc",
            },
        )
    ]
