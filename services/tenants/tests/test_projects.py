"""ENT projects: funders, site ids, establishments over time, tenancy through funding."""

import pytest

pytestmark = pytest.mark.anyio

P = "/api/v1/projects"


@pytest.fixture
async def funders(api):
    await api.member("hds", name="Hauts-de-Seine", joined_on="2013-01-01")
    await api.member("idf", name="Île-de-France", kind="region", joined_on="2013-01-01")
    await api.member("versailles", name="Académie de Versailles", kind="academie")


async def test_create_with_funders_and_origins(api, funders):
    response = await api.post(
        P,
        {
            "slug": "ent-92",
            "name": "ENC 92",
            "vendor": "Kosmos",
            "site_id": "920001",
            "responsible": "hds",
            "cofunders": ["versailles", "hds", "versailles"],
            "allowed_origins": ["https://enc92.fr", "https://enc92.fr"],
        },
    )
    assert response.status_code == 201, response.text
    project = response.json()
    assert project["funders"] == [
        {"member": "hds", "responsible": True},
        {"member": "versailles", "responsible": False},
    ]
    assert project["allowed_origins"] == ["https://enc92.fr"]
    assert response.headers["location"] == "/api/v1/projects/ent-92"


async def test_site_id_is_six_digits_and_unique(api, funders):
    await api.project("ent-92", "920001", "hds")
    same_site = await api.post(
        P, {"slug": "other", "name": "O", "vendor": "V", "site_id": "920001", "responsible": "idf"}
    )
    assert same_site.status_code == 409
    assert "ent-92" in same_site.json()["detail"]
    for site in ("92001", "9200011", "92000a"):
        bad = await api.post(
            P, {"slug": "x", "name": "X", "vendor": "V", "site_id": site, "responsible": "idf"}
        )
        assert bad.status_code == 422
    by_site = await api.get("/api/v1/projects/by-site/920001", as_=("service", None))
    assert by_site.status_code == 200 and by_site.json()["slug"] == "ent-92"
    assert by_site.json()["members"] == ["hds"]
    assert by_site.json()["responsible_member"] == "hds"
    etag = by_site.headers["etag"]
    assert (
        await api.get("/api/v1/projects/by-site/920001", headers={"If-None-Match": etag})
    ).status_code == 304
    assert (await api.get("/api/v1/projects/by-site/999999")).status_code == 404


async def test_unknown_funder_is_404(api, funders):
    response = await api.post(
        P, {"slug": "x", "name": "X", "vendor": "V", "site_id": "123456", "responsible": "nobody"}
    )
    assert response.status_code == 404
    assert "nobody" in response.json()["detail"]


async def test_update_funders_origins_and_site(api, funders):
    await api.project("ent-92", "920001", "hds", cofunders=["versailles"])
    await api.project("ent-idf", "750001", "idf")
    moved = await api.patch(f"{P}/ent-92", {"responsible": "versailles"})
    assert moved.json()["funders"] == [
        {"member": "versailles", "responsible": True},
        {"member": "hds", "responsible": False},
    ]
    replaced = await api.patch(f"{P}/ent-92", {"cofunders": ["idf"], "allowed_origins": []})
    assert replaced.json()["funders"] == [
        {"member": "versailles", "responsible": True},
        {"member": "idf", "responsible": False},
    ]
    assert (await api.patch(f"{P}/ent-92", {"site_id": "750001"})).status_code == 409
    assert (await api.patch(f"{P}/ent-92", {"site_id": "920002"})).json()["site_id"] == "920002"
    assert (await api.patch(f"{P}/ent-92", {"slug": "renamed"})).status_code == 422
    bad_origin = await api.patch(f"{P}/ent-92", {"allowed_origins": ["https://x.fr/path"]})
    assert bad_origin.status_code == 422


async def test_establishments_move_between_projects_at_a_school_year_boundary(api, funders):
    await api.project("ent-92", "920001", "hds")
    await api.project("ent-idf", "750001", "idf")
    await api.establishment("0750655E")
    first = await api.attach("ent-idf", "0750655E", "2015-09-01")
    # Still open: it cannot join another project.
    clash = await api.post(
        f"{P}/ent-92/memberships", {"uai": "0750655E", "valid_from": "2020-09-01"}
    )
    assert clash.status_code == 409
    assert clash.json()["conflicting_project"] == "ent-idf"
    assert "ent-idf" in clash.json()["detail"]
    # Detach on 31 August, join the other project on 1 September.
    ended = await api.patch(f"{P}/ent-idf/memberships/{first['id']}", {"valid_to": "2020-08-31"})
    assert ended.status_code == 200 and ended.json()["valid_to"] == "2020-08-31"
    await api.attach("ent-92", "0750655E", "2020-09-01")
    # The overlap check covers closed periods too.
    before = await api.post(
        f"{P}/ent-92/memberships", {"uai": "0750655E", "valid_from": "2019-09-01"}
    )
    assert before.status_code == 409
    # Reopening the old membership would overlap the new one.
    reopen = await api.patch(f"{P}/ent-idf/memberships/{first['id']}", {"valid_to": None})
    assert reopen.status_code == 409 and reopen.json()["conflicting_project"] == "ent-92"
    # An end before the start is against what is stored.
    inverted = await api.patch(f"{P}/ent-idf/memberships/{first['id']}", {"valid_to": "2010-01-01"})
    assert inverted.status_code == 409

    async def uais(project, day):
        page = (await api.get(f"{P}/{project}/establishments", params={"on": day})).json()
        assert page["on"] == day and page["project"] == project
        return [e["uai"] for e in page["items"]]

    assert await uais("ent-idf", "2015-08-31") == []
    assert await uais("ent-idf", "2015-09-01") == ["0750655E"]
    assert await uais("ent-idf", "2020-08-31") == ["0750655E"]
    assert await uais("ent-92", "2020-08-31") == []
    assert await uais("ent-idf", "2020-09-01") == []
    assert await uais("ent-92", "2020-09-01") == ["0750655E"]
    assert await uais("ent-92", "2030-01-01") == ["0750655E"]

    every = (await api.get(f"{P}/ent-idf/establishments")).json()
    assert every["on"] is None
    assert [(e["uai"], e["valid_from"], e["valid_to"]) for e in every["items"]] == [
        ("0750655E", "2015-09-01", "2020-08-31")
    ]

    history = (await api.get(f"{P}/ent-idf/memberships")).json()["items"]
    assert [(m["uai"], m["valid_from"], m["valid_to"]) for m in history] == [
        ("0750655E", "2015-09-01", "2020-08-31")
    ]


async def test_same_project_overlap_and_mistakes(api, funders):
    await api.project("ent-92", "920001", "hds")
    await api.establishment("0750655E")
    m = await api.attach("ent-92", "0750655E", "2015-09-01")
    again = await api.post(
        f"{P}/ent-92/memberships", {"uai": "0750655E", "valid_from": "2016-09-01"}
    )
    assert again.status_code == 409 and again.json()["conflicting_project"] == "ent-92"
    assert (await api.delete(f"{P}/ent-92/memberships/{m['id']}")).status_code == 204
    assert (await api.delete(f"{P}/ent-92/memberships/{m['id']}")).status_code == 404
    unknown = await api.post(
        f"{P}/ent-92/memberships", {"uai": "0690026D", "valid_from": "2016-09-01"}
    )
    assert unknown.status_code == 404


async def test_memberships_of_another_project_are_not_reachable(api, funders):
    await api.project("ent-92", "920001", "hds")
    await api.project("ent-idf", "750001", "idf")
    await api.establishment("0750655E")
    m = await api.attach("ent-idf", "0750655E", "2015-09-01")
    wrong = await api.patch(f"{P}/ent-92/memberships/{m['id']}", {"valid_to": "2016-08-31"})
    assert wrong.status_code == 404


async def test_tenants_see_the_projects_they_fund_and_their_establishments(api, funders, make_uai):
    await api.project("ent-92", "920001", "hds", cofunders=["versailles"])
    await api.project("ent-idf", "750001", "idf")
    own, other, never = make_uai("0921234"), "0750655E", "0690026D"
    for code in (own, other, never):
        await api.establishment(code)
    m = await api.attach("ent-92", own, "2015-09-01")
    await api.patch(f"{P}/ent-92/memberships/{m['id']}", {"valid_to": "2016-08-31"})
    await api.attach("ent-idf", other, "2015-09-01")

    hds = ("member-viewer", "hds")
    assert [p["slug"] for p in (await api.get(P, as_=hds)).json()["items"]] == ["ent-92"]
    versailles = ("member-admin", "versailles")
    assert [p["slug"] for p in (await api.get(P, as_=versailles)).json()["items"]] == ["ent-92"]
    assert (await api.get(f"{P}/ent-idf", as_=hds)).status_code == 404
    assert (await api.get("/api/v1/projects/by-site/750001", as_=hds)).status_code == 404
    # A member sees an establishment its project had, even after it left.
    listed = (await api.get("/api/v1/establishments", as_=hds)).json()["items"]
    assert [e["uai"] for e in listed] == [own]
    assert (await api.get(f"/api/v1/establishments/{own}", as_=hds)).status_code == 200
    assert (await api.get(f"/api/v1/establishments/{other}", as_=hds)).status_code == 404
    assert (await api.get(f"/api/v1/establishments/{never}", as_=hds)).status_code == 404
    filtered = (await api.get(P, params={"member": "idf"})).json()["items"]
    assert [p["slug"] for p in filtered] == ["ent-idf"]


async def test_member_headcount(api, funders, make_uai):
    await api.project("ent-92", "920001", "hds")
    await api.project("ent-92-bis", "920002", "hds")
    await api.project("ent-idf", "750001", "idf")
    a, b, c, d = make_uai("0921001"), make_uai("0921002"), make_uai("0921003"), make_uai("0751001")
    for code, pupils in ((a, 600), (b, 400), (c, 300), (d, 1000)):
        await api.establishment(code)
        await api.put(
            f"/api/v1/establishments/{code}/headcounts/2025-2026",
            {"pupils": pupils, "teachers": pupils // 10, "staff": 5},
        )
    await api.attach("ent-92", a, "2015-09-01")
    await api.attach("ent-92-bis", b, "2025-09-01")
    late = await api.attach("ent-92", c, "2026-01-01")  # joins mid-year
    await api.attach("ent-idf", d, "2015-09-01")
    await api.establishment(make_uai("0921004"))
    await api.attach("ent-92", make_uai("0921004"), "2015-09-01")  # no headcount

    got = await api.get(
        "/api/v1/members/hds/headcount", params={"school_year": "2025-2026"}, as_=("service", None)
    )
    assert got.status_code == 200, got.text
    assert got.json() == {
        "member": "hds",
        "school_year": "2025-2026",
        "on": "2025-09-01",
        "establishments": 3,
        "without_headcount": 1,
        "pupils": 1000,
        "teachers": 100,
        "staff": 10,
        "projects": ["ent-92", "ent-92-bis"],
    }
    later = await api.get(
        "/api/v1/members/hds/headcount", params={"school_year": "2025-2026", "on": "2026-02-01"}
    )
    assert later.json()["pupils"] == 1300
    etag = got.headers["etag"]
    same = await api.get(
        "/api/v1/members/hds/headcount",
        params={"school_year": "2025-2026"},
        headers={"If-None-Match": etag},
    )
    assert same.status_code == 304
    await api.patch(f"{P}/ent-92/memberships/{late['id']}", {"valid_to": "2026-06-30"})
    assert (
        await api.get("/api/v1/members/idf/headcount", params={"school_year": "2025-2026"})
    ).json()["pupils"] == 1000
    assert (
        await api.get("/api/v1/members/hds/headcount", params={"school_year": "2025"})
    ).status_code == 422
    assert (
        await api.get(
            "/api/v1/members/hds/headcount",
            as_=("member-viewer", "idf"),
            params={"school_year": "2025-2026"},
        )
    ).status_code == 404


async def test_a_project_slugged_like_a_static_segment_keeps_its_resources(api, funders):
    await api.project("by-site", "123456", "hds")
    assert (await api.get(f"{P}/by-site")).json()["slug"] == "by-site"
    listed = await api.get(f"{P}/by-site/establishments")
    assert listed.status_code == 200 and listed.json()["project"] == "by-site"
    assert (await api.get(f"{P}/by-site/123456")).json()["slug"] == "by-site"


async def test_a_slug_taken_by_a_concurrent_creation_is_a_409_in_the_callers_language(
    api, funders, monkeypatch
):
    # The checks before the write ran while the other request had not committed: only the
    # database's unique keys see it.
    from tenants.projects import repository, service

    await api.project("ent-92", "920001", "hds")

    async def nothing(*args, **kwargs):
        return None

    monkeypatch.setattr(repository, "by_slug", nothing)
    monkeypatch.setattr(service, "_site_free", nothing)
    body = {"slug": "ent-92", "name": "E", "vendor": "V", "site_id": "920002", "responsible": "idf"}
    english = await api.post(P, body)
    assert english.status_code == 409, english.text
    assert english.json()["detail"] == "project ent-92 or site 920002 is already taken"
    french = await api.post(P, body, headers={"Accept-Language": "fr"})
    assert french.status_code == 409
    assert french.json()["detail"] == "le projet ent-92 ou le site 920002 est déjà pris"
    monkeypatch.undo()
    assert (await api.get(f"{P}/ent-92")).json()["site_id"] == "920001"
