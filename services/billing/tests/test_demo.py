"""`python -m billing demo`: the demo year through the API, idempotent."""

import pytest

from billing.demo.command import run_demo

pytestmark = pytest.mark.anyio


async def test_demo_prepares_the_year_once(client, tokens, fake_peers):
    client.headers.update(tokens.headers(roles=["gip-admin"], client_id="gip-ops"))
    said: list[str] = []
    run = await run_demo(client, year=2026, say=said.append, wait=0)
    assert run["status"] == "draft", run
    assert run["colleges"] == {"cdc": 10_900_000, "collectivites": 10_900_000, "state": 10_900_000}
    prestations = (await client.get("/api/v1/budget-years/2026/prestations")).json()
    assert {p["code"] for p in prestations} == {
        "mesure",
        "notes-synthese",
        "etablissements",
        "api-partenaires",
        "opendata",
    }
    assert next(p for p in prestations if p["code"] == "mesure")["cost_cents"] == 32_700_000
    subs = (await client.get("/api/v1/subscriptions", params={"year": 2026})).json()["items"]
    assert {(s["member"], s["prestation"]) for s in subs} == {
        ("hauts-de-seine", "notes-synthese"),
        ("hauts-de-seine", "etablissements"),
        ("hauts-de-seine", "api-partenaires"),
        ("ile-de-france", "notes-synthese"),
        ("ile-de-france", "opendata"),
    }
    again: list[str] = []
    second = await run_demo(client, year=2026, say=again.append, wait=0)
    assert second["id"] == run["id"]
    assert not [s for s in again if "added" in s or "subscribed" in s or "computing" in s]
    runs = (await client.get("/api/v1/allocations", params={"year": 2026})).json()["items"]
    assert len(runs) == 1
    lines = (
        await client.get(
            f"/api/v1/allocations/{run['id']}/lines", params={"member": "hauts-de-seine"}
        )
    ).json()["items"]
    assert {ln["prestation"] for ln in lines} == {
        "mesure",
        "notes-synthese",
        "etablissements",
        "api-partenaires",
    }


async def test_demo_recomputes_a_failed_run(client, tokens, fake_peers):
    from gipkit.http import PeerUnavailable

    client.headers.update(tokens.headers(roles=["gip-admin"]))
    fake_peers.error = PeerUnavailable("tenants", 503)
    failed = await run_demo(client, year=2026, say=lambda _s: None, wait=0)
    assert failed["status"] == "failed"
    fake_peers.error = None
    fixed = await run_demo(client, year=2026, say=lambda _s: None, wait=0)
    assert (fixed["id"], fixed["status"]) == (failed["id"], "draft")
