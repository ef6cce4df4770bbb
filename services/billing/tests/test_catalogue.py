"""Budget years, prestations, in-kind contributions, subscriptions and entitlements."""

import pytest

pytestmark = pytest.mark.anyio

HDS, IDF = "hauts-de-seine", "ile-de-france"


async def test_budget_year_defaults_and_catalogue(api):
    year = await api.ok("POST", "/api/v1/budget-years", {"year": 2026}, 201)
    assert (year["school_year"], year["visits_from"], year["visits_to"]) == (
        "2025-2026",
        "2025-01-01",
        "2025-12-31",
    )
    await api.ok("POST", "/api/v1/budget-years", {"year": 2026}, 409)
    base = await api.prestation()
    assert base["colleges"] == ["cdc", "collectivites", "state"]
    await api.ok(
        "POST",
        "/api/v1/budget-years/2026/prestations",
        {
            "code": "base",
            "label": "x",
            "kind": "base",
            "cost_cents": 1,
            "key": "equal",
        },
        409,
    )
    changed = await api.ok("PATCH", "/api/v1/budget-years/2026/prestations/base", {"cost_cents": 5})
    assert changed["cost_cents"] == 5
    listed = await api.ok("GET", "/api/v1/budget-years/2026/prestations")
    assert [p["code"] for p in listed] == ["base"]
    await api.ok("GET", "/api/v1/budget-years/2027/prestations", status=404)


async def test_member_roles_read_but_do_not_write_the_catalogue(api):
    await api.year()
    await api.ok("GET", "/api/v1/budget-years/2026", as_=("member-viewer", HDS))
    response = await api.post("/api/v1/budget-years", {"year": 2027}, as_=("member-admin", HDS))
    assert response.status_code == 403
    response = await api.get("/api/v1/budget-years", as_=("partner", HDS))
    assert response.status_code == 403


async def test_in_kind_is_set_by_the_gip_and_read_by_its_member(api):
    await api.year()
    await api.ok(
        "PUT",
        f"/api/v1/budget-years/2026/in-kind/{HDS}",
        {"amount_cents": 500_000, "description": "Hébergement des serveurs"},
    )
    await api.ok(
        "PUT",
        f"/api/v1/budget-years/2026/in-kind/{IDF}",
        {"amount_cents": 100, "description": "Salles"},
    )
    own = await api.ok("GET", "/api/v1/budget-years/2026/in-kind", as_=("member-viewer", HDS))
    assert [r["member"] for r in own] == [HDS]


async def test_subscriptions_member_admin_own_only_and_pro_rated(api):
    await api.catalogue()
    sub = await api.ok(
        "POST",
        "/api/v1/subscriptions",
        {"member": HDS, "prestation": "notes", "year": 2026, "starts_on": "2026-07-01"},
        201,
        as_=("member-admin", HDS),
    )
    assert (sub["days"], sub["period_days"], sub["status"]) == (184, 365, "active")
    other = await api.post(
        "/api/v1/subscriptions",
        {"member": IDF, "prestation": "notes", "year": 2026},
        as_=("member-admin", HDS),
    )
    assert other.status_code == 403
    # Overlapping the same option again, a base prestation, dates outside the year: 409.
    for body in (
        {"member": HDS, "prestation": "notes", "year": 2026, "starts_on": "2026-08-01"},
        {"member": HDS, "prestation": "base", "year": 2026},
        {"member": HDS, "prestation": "api", "year": 2026, "starts_on": "2027-01-01"},
        {
            "member": HDS,
            "prestation": "api",
            "year": 2026,
            "starts_on": "2026-05-01",
            "ends_on": "2026-04-01",
        },
    ):
        assert (await api.post("/api/v1/subscriptions", body)).status_code == 409, body
    assert (
        await api.post(
            "/api/v1/subscriptions",
            {
                "member": HDS,
                "prestation": "nope",
                "year": 2026,
            },
        )
    ).status_code == 404
    # The other tenant's subscription does not exist for this member's people.
    idf = await api.subscribe(IDF, "notes")
    assert (
        await api.get(f"/api/v1/subscriptions/{idf['id']}", as_=("member-admin", HDS))
    ).status_code == 404
    listed = await api.ok("GET", "/api/v1/subscriptions", as_=("member-viewer", HDS))
    assert [s["member"] for s in listed["items"]] == [HDS]


async def test_cancel_keeps_the_days_used_or_voids_before_start(api):
    await api.catalogue()
    sub = await api.subscribe(HDS, "notes", starts_on="2026-03-01")
    ended = await api.ok(
        "POST",
        f"/api/v1/subscriptions/{sub['id']}/cancel",
        {"last_day": "2026-03-31"},
        as_=("member-admin", HDS),
    )
    assert (ended["ends_on"], ended["days"]) == ("2026-03-31", 31)
    later = await api.subscribe(HDS, "api", starts_on="2026-09-01")
    void = await api.ok(
        "POST", f"/api/v1/subscriptions/{later['id']}/cancel", {"last_day": "2026-08-31"}
    )
    assert (void["status"], void["days"]) == ("cancelled", 0)
    again = await api.post(f"/api/v1/subscriptions/{later['id']}/cancel", {})
    assert again.status_code == 409
    viewer = await api.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel", {}, as_=("member-viewer", HDS)
    )
    assert viewer.status_code == 403


async def test_entitlements_for_services(api, fake_peers):
    await api.catalogue()
    await api.subscribe(HDS, "notes", project="ent-92", starts_on="2026-02-01")
    await api.subscribe(IDF, "notes")

    async def entitled(member, prestation, on, project=None):
        params = {"member": member, "prestation": prestation, "on": on}
        if project:
            params["project"] = project
        body = await api.ok("GET", "/api/v1/entitlements", params=params, as_=("service", None))
        return body["entitled"]

    assert await entitled(HDS, "notes", "2026-03-01", project="ent-92")
    assert not await entitled(HDS, "notes", "2026-03-01", project="other-project")
    assert not await entitled(HDS, "notes", "2026-01-15", project="ent-92")
    assert await entitled(IDF, "notes", "2026-12-31", project="any")
    assert not await entitled(IDF, "nope", "2026-12-31")
    assert not await entitled(HDS, "base", "2026-03-01")
    await api.run()
    assert await entitled(HDS, "base", "2026-03-01")
    forbidden = await api.get(
        "/api/v1/entitlements",
        params={"member": HDS, "prestation": "notes"},
        as_=("member-admin", HDS),
    )
    assert forbidden.status_code == 403
