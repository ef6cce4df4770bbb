"""Allocation runs through the API: draft, explanations, what-if, thresholds, approval."""

from fractions import Fraction

import pytest

from gipkit.http import PeerUnavailable

pytestmark = pytest.mark.anyio

HDS, IDF = "hauts-de-seine", "ile-de-france"


async def lines_of(api, run_id, **params):
    page = await api.ok("GET", f"/api/v1/allocations/{run_id}/lines", params=params)
    return page["items"]


async def test_draft_run_in_thirds_with_keys_recorded(api, fake_peers):
    await api.catalogue()
    run = await api.run()
    assert run["status"] == "draft", run
    assert run["colleges"] == {"cdc": 10_900_000, "collectivites": 10_900_000, "state": 10_900_000}
    assert run["sources"]["pupils"] == {"school_year": "2025-2026", "source": "tenants"}
    base = {ln["member"]: ln for ln in await lines_of(api, run["id"], prestation="base")}
    assert base["cdc"]["amount_cents"] == 10_900_000
    hds = base[HDS]
    assert (hds["key"], hds["key_value"], hds["key_total"]) == ("students", 200_000, 300_000)
    assert hds["fraction"] == "2/3" and hds["pool_cents"] == 10_900_000
    assert Fraction(hds["exact_cents"]) == Fraction(21_800_000, 3)
    assert hds["amount_cents"] == 7_266_667 and base[IDF]["amount_cents"] == 3_633_333
    # The explanation is written for French readers: the college and the key in words, counts
    # with their thousands apart.
    assert hds["explanation"] == (
        "base (collège Collectivités) : 109\u202f000,00\xa0€ répartis selon les élèves couverts ; "
        "200\u202f000 sur 300\u202f000 → poids 200\u202f000 sur 300\u202f000 = 2/3 ; "
        "72\u202f666,666667\xa0€ arrondis à 72\u202f666,67\xa0€ (méthode des plus forts restes)"
    )
    # Every college adds up exactly.
    per_college = {}
    for ln in base.values():
        per_college[ln["college"]] = per_college.get(ln["college"], 0) + ln["amount_cents"]
    assert per_college == run["colleges"]
    # The key values are recorded: a changed source does not change a recomputed draft.
    fake_peers.pupils[HDS] = 1
    again = await api.ok("PATCH", f"/api/v1/allocations/{run['id']}", {"note": "relu"})
    assert again["note"] == "relu"
    assert {
        ln["member"]: ln["amount_cents"] for ln in await lines_of(api, run["id"], prestation="base")
    }[HDS] == 7_266_667


async def test_options_pro_rated_and_in_kind_deducted(api, fake_peers):
    await api.catalogue()
    await api.subscribe(HDS, "notes")
    await api.subscribe(IDF, "notes", starts_on="2026-07-02")
    await api.subscribe(IDF, "api", starts_on="2026-12-01")
    await api.ok(
        "PUT",
        f"/api/v1/budget-years/2026/in-kind/{IDF}",
        {"amount_cents": 1_000_000, "description": "Mise à disposition"},
    )
    run = await api.run()
    notes = {ln["member"]: ln for ln in await lines_of(api, run["id"], prestation="notes")}
    assert notes[IDF]["days"] == 183
    assert sum(ln["amount_cents"] for ln in notes.values()) == 1_200_000
    (api_line,) = await lines_of(api, run["id"], prestation="api")
    assert (api_line["days"], api_line["amount_cents"]) == (31, round(500_000 * 31 / 365))
    totals = {
        m["member"]: m for m in await api.ok("GET", f"/api/v1/allocations/{run['id']}/members")
    }
    idf = totals[IDF]
    assert idf["deducted_cents"] == 1_000_000 and idf["net_cents"] == idf["gross_cents"] - 1_000_000
    own = await api.ok(
        "GET", f"/api/v1/allocations/{run['id']}/members", as_=("member-viewer", HDS)
    )
    assert [m["member"] for m in own] == [HDS]
    own_lines = await api.ok(
        "GET", f"/api/v1/allocations/{run['id']}/lines", as_=("member-admin", HDS)
    )
    assert {ln["member"] for ln in own_lines["items"]} == {HDS}


async def test_college_without_member_is_redistributed_and_said(api, fake_peers):
    fake_peers.members = [m for m in fake_peers.members if m["college"] != "state"]
    await api.catalogue()
    run = await api.run()
    assert run["colleges"] == {"cdc": 16_350_000, "collectivites": 16_350_000}
    assert any("le collège État n'a aucun membre" in w for w in run["warnings"])


async def test_peer_unavailable_fails_the_run_and_recompute_recovers(api, fake_peers):
    await api.catalogue()
    fake_peers.error = PeerUnavailable("tenants", 503)
    run = await api.run()
    assert run["status"] == "failed" and "tenants" in run["error"]
    assert (await api.post(f"/api/v1/allocations/{run['id']}/approve")).status_code == 409
    assert (await api.post(f"/api/v1/allocations/{run['id']}/simulate", {})).status_code == 409
    fake_peers.error = None
    await api.ok("POST", f"/api/v1/allocations/{run['id']}/recompute", status=202)
    assert (await api.ok("GET", f"/api/v1/allocations/{run['id']}"))["status"] == "draft"


async def test_real_peer_client_unreachable_fails_the_run_without_a_5xx(api):
    # No fake: the real ServiceClient, against closed ports (and a closed IdP).
    await api.catalogue()
    run = await api.run()
    assert run["status"] == "failed"
    assert "key values could not be fetched" in run["error"]


async def test_whatif_join_leave_subscribe_nothing_stored(api, fake_peers):
    await api.catalogue()
    run = await api.run()
    body = {
        "join": [
            {
                "slug": "yvelines",
                "kind": "departement",
                "college": "collectivites",
                "pupils": 100_000,
            }
        ]
    }
    sim = await api.ok("POST", f"/api/v1/allocations/{run['id']}/simulate", body)
    diff = {d["member"]: d["difference_cents"] for d in sim["differences"]}
    assert diff["yvelines"] > 0 and diff[HDS] < 0 and sum(diff.values()) == 0
    assert "yvelines" not in {
        m["member"] for m in await api.ok("GET", f"/api/v1/allocations/{run['id']}/members")
    }
    shares = await api.ok(
        "POST",
        f"/api/v1/allocations/{run['id']}/simulate",
        {"shares": {"cdc": 2, "state": 1, "collectivites": 1}},
    )
    assert {d["member"]: d["difference_cents"] for d in shares["differences"]}["cdc"] > 0
    unknown = await api.post(
        f"/api/v1/allocations/{run['id']}/simulate", {"leave": [{"member": "nobody"}]}
    )
    assert unknown.status_code == 409
    assert unknown.json()["detail"] == "nobody is not a member in the run"
    in_french = await api.post(
        f"/api/v1/allocations/{run['id']}/simulate",
        {"leave": [{"member": "nobody"}]},
        headers={"Accept-Language": "fr"},
    )
    assert in_french.json()["detail"] == "nobody n'est pas membre dans ce calcul"


async def test_member_admin_simulates_its_own_member_only(api, fake_peers):
    await api.catalogue()
    run = await api.run()
    url = f"/api/v1/allocations/{run['id']}/simulate"
    own = await api.ok(
        "POST",
        url,
        {"subscribe": [{"member": HDS, "prestation": "notes"}]},
        as_=("member-admin", HDS),
    )
    assert [d["member"] for d in own["differences"]] == [HDS]
    assert own["differences"][0]["difference_cents"] == 1_200_000
    other = await api.post(url, {"leave": [{"member": IDF}]}, as_=("member-admin", HDS))
    assert other.status_code == 403
    shares = await api.post(url, {"shares": {"cdc": 1}}, as_=("member-admin", HDS))
    assert shares.status_code == 403
    viewer = await api.post(url, {}, as_=("member-viewer", HDS))
    assert viewer.status_code == 403


async def test_thresholds_before_and_after_april_2026(api, fake_peers):
    await api.catalogue()
    run = await api.run()
    before = await api.ok("GET", f"/api/v1/allocations/{run['id']}/thresholds")
    assert before["threshold_cents"] == 4_000_000
    assert [(o["member"], o["excess_cents"]) for o in before["over"]] == [
        (HDS, 7_266_667 - 4_000_000)
    ]
    await api.ok("PATCH", f"/api/v1/allocations/{run['id']}", {"reference_date": "2026-04-01"})
    after = await api.ok("GET", f"/api/v1/allocations/{run['id']}/thresholds")
    assert after["threshold_cents"] == 6_000_000
    assert [o["member"] for o in after["over"]] == [HDS]
    viewer = await api.ok(
        "GET", f"/api/v1/allocations/{run['id']}/thresholds", as_=("member-viewer", IDF)
    )
    assert viewer["over"] == []


async def test_approve_freezes_the_run(api, fake_peers):
    await api.catalogue()
    run = await api.approved_run()
    assert run["status"] == "approved" and run["approved_at"]
    rid = run["id"]
    for method, path, body in (
        ("PATCH", f"/api/v1/allocations/{rid}", {"note": "x"}),
        ("DELETE", f"/api/v1/allocations/{rid}", None),
        ("POST", f"/api/v1/allocations/{rid}/recompute", None),
        ("POST", f"/api/v1/allocations/{rid}/approve", None),
    ):
        response = await api.request(method, path, json=body)
        assert response.status_code == 409, (method, path, response.text)
    # Asked in French (the console does), the refusal says so in French.
    refused = await api.request(
        "PATCH", f"/api/v1/allocations/{rid}", json={"note": "x"}, headers={"Accept-Language": "fr"}
    )
    assert refused.json()["detail"] == f"le calcul n° {rid} est approuvé : figé, rien n'y change"
    # A simulation still works on a frozen run: it stores nothing.
    await api.ok("POST", f"/api/v1/allocations/{rid}/simulate", {})
    votes = await api.ok("GET", f"/api/v1/allocations/{rid}/voting-weights")
    assert sum(int(v["percent"].replace(".", "")) for v in votes["votes"]) == 10_000
    assert votes["public_majority"] is True
    # A second run of the year can be approved: the first had no invoice yet.
    second = await api.approved_run()
    assert (await api.ok("GET", f"/api/v1/allocations/{rid}"))["status"] == "superseded"
    assert second["status"] == "approved"


async def test_voting_weights_need_an_approved_run(api, fake_peers):
    await api.catalogue()
    run = await api.run()
    assert (await api.get(f"/api/v1/allocations/{run['id']}/voting-weights")).status_code == 409


async def test_run_csv_export(api, fake_peers):
    await api.catalogue()
    run = await api.run()
    response = await api.get(f"/api/v1/allocations/{run['id']}/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = [r.split(";") for r in text.strip().split("\r\n")]
    assert rows[0][:5] == ["run", "year", "status", "member", "prestation"]
    assert len(rows) == 1 + 4
    assert sum(Fraction(r[16]) for r in rows[1:]) == Fraction(327_000)


async def test_delete_draft(api, fake_peers):
    await api.catalogue()
    run = await api.run()
    assert (await api.delete(f"/api/v1/allocations/{run['id']}")).status_code == 204
    assert (await api.get(f"/api/v1/allocations/{run['id']}")).status_code == 404


async def test_run_needs_a_year_and_a_catalogue(api):
    assert (await api.post("/api/v1/allocations", {"year": 2031})).status_code == 404
    await api.year(2031)
    assert (await api.post("/api/v1/allocations", {"year": 2031})).status_code == 409
    await api.prestation(2031)
    zero = await api.post(
        "/api/v1/allocations", {"year": 2031, "shares": {"cdc": 0, "state": 0, "collectivites": 0}}
    )
    assert zero.status_code == 409
