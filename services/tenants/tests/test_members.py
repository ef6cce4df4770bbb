"""Members: register, validation, tenancy, leaving, IdP organisations."""

import pytest

pytestmark = pytest.mark.anyio

MEMBERS = "/api/v1/members"


async def test_create_provisions_an_organisation(api, idp):
    response = await api.post(
        MEMBERS,
        {
            "slug": "hauts-de-seine",
            "name": "Département des Hauts-de-Seine",
            "kind": "departement",
            "siren": "229200506",
            "domain": "hauts-de-seine.fr",
            "contact_email": "ent@hauts-de-seine.fr",
        },
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == "/api/v1/members/hauts-de-seine"
    member = response.json()
    assert member["college"] == "collectivites"  # from the kind
    assert member["status"] == "active"
    assert member["idp_status"] == "provisioned"
    org = idp.org_by_alias("hauts-de-seine")
    assert org is not None and member["idp_org_id"] == org.id
    assert org.name == "Département des Hauts-de-Seine"


async def test_wrong_siren_is_422_naming_the_field(api):
    response = await api.post(
        MEMBERS, {"slug": "cdc", "name": "Caisse des Dépôts", "kind": "cdc", "siren": "180020027"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["body.siren"]
    assert response.json()["errors"][0]["reason"] == "not a valid SIREN: its check digit is wrong"
    in_french = await api.post(
        MEMBERS,
        {"slug": "cdc", "name": "Caisse des Dépôts", "kind": "cdc", "siren": "180020027"},
        headers={"Accept-Language": "fr"},
    )
    assert in_french.json()["errors"][0]["reason"] == (
        "SIREN non valide : son chiffre de contrôle est faux"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slug", "Hauts de Seine"),
        ("slug", "-x"),
        ("college", "collectivités"),
        ("kind", "city"),
        ("name", ""),
        ("name", "\x00nul"),
        ("contact_email", "not-an-email"),
        ("joined_on", 1700000000),
        ("joined_on", "2026-01-01T00:00:00"),
    ],
)
async def test_invalid_fields_are_refused(api, field, value):
    body = {"slug": "x", "name": "X", "kind": "other", field: value}
    response = await api.post(MEMBERS, body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == f"body.{field}"


async def test_slug_and_name_are_unique(api):
    await api.member("idf", name="Région Île-de-France", kind="region")
    same_slug = await api.post(MEMBERS, {"slug": "idf", "name": "Other", "kind": "region"})
    assert same_slug.status_code == 409
    same_name = await api.post(
        MEMBERS, {"slug": "idf2", "name": "Région Île-de-France", "kind": "region"}
    )
    assert same_name.status_code == 409


async def test_slug_is_immutable(api):
    await api.member("hds")
    response = await api.patch(f"{MEMBERS}/hds", {"slug": "other"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.slug"


async def test_update_renames_the_organisation_and_clears_optional_fields(api, idp):
    await api.member("hds", contact_name="Jeanne")
    response = await api.patch(f"{MEMBERS}/hds", {"name": "CD92", "contact_name": None})
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "CD92"
    assert response.json()["contact_name"] is None
    assert idp.org_by_alias("hds").name == "CD92"
    # Required fields cannot be cleared.
    assert (await api.patch(f"{MEMBERS}/hds", {"name": None})).status_code == 422


async def test_member_admin_manages_its_own_details_but_not_its_college(api):
    await api.member("hds")
    await api.member("idf", kind="region")
    own = ("member-admin", "hds")
    ok = await api.patch(f"{MEMBERS}/hds", {"contact_email": "a@hds.fr"}, as_=own)
    assert ok.status_code == 200
    # Sending its college unchanged is not a change.
    same = await api.patch(f"{MEMBERS}/hds", {"college": "collectivites"}, as_=own)
    assert same.status_code == 200
    college = await api.patch(f"{MEMBERS}/hds", {"college": "state"}, as_=own)
    assert college.status_code == 403
    kind = await api.patch(f"{MEMBERS}/hds", {"kind": "region"}, as_=own)
    assert kind.status_code == 403
    other = await api.patch(f"{MEMBERS}/idf", {"contact_email": "a@hds.fr"}, as_=own)
    assert other.status_code == 404
    admin = await api.patch(f"{MEMBERS}/hds", {"college": "other"})
    assert admin.status_code == 200 and admin.json()["college"] == "other"


async def test_leaving_keeps_the_member(api):
    await api.member("hds", joined_on="2013-01-01")
    early = await api.post(f"{MEMBERS}/hds/leave", {"left_on": "2012-12-31"})
    assert early.status_code == 409
    left = await api.post(f"{MEMBERS}/hds/leave", {"left_on": "2020-08-31"})
    assert left.status_code == 200
    assert left.json()["left_on"] == "2020-08-31"
    assert left.json()["status"] == "left"
    again = await api.post(f"{MEMBERS}/hds/leave", {"left_on": "2021-08-31"})
    assert again.status_code == 409
    assert (await api.get(f"{MEMBERS}/hds")).status_code == 200
    later_join = await api.patch(f"{MEMBERS}/hds", {"joined_on": "2021-01-01"})
    assert later_join.status_code == 409
    # The console asks for French: the same refusal, in its words and dates.
    in_french = await api.post(
        f"{MEMBERS}/hds/leave", {"left_on": "2021-08-31"}, headers={"Accept-Language": "fr"}
    )
    assert in_french.status_code == 409
    assert in_french.json()["detail"] == "le membre hds a déjà quitté le GIP le 31 août 2020"
    assert again.json()["detail"] == "member hds already left on 2020-08-31"


async def test_list_filters_and_pages(api):
    for i in range(5):
        await api.member(f"d{i}", kind="departement", joined_on="2013-01-01")
    await api.member("ac", kind="academie")
    await api.member("cdc", kind="cdc")
    await api.post(f"{MEMBERS}/d0/leave", {"left_on": "2020-01-01"})

    state = (await api.get(MEMBERS, params={"college": "state"})).json()
    assert [m["slug"] for m in state["items"]] == ["ac"]
    cdc = (await api.get(MEMBERS, params={"kind": "cdc"})).json()
    assert [m["slug"] for m in cdc["items"]] == ["cdc"]
    left = (await api.get(MEMBERS, params={"status": "left"})).json()
    assert [m["slug"] for m in left["items"]] == ["d0"]
    active = (await api.get(MEMBERS, params={"status": "active"})).json()
    assert "d0" not in [m["slug"] for m in active["items"]]

    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await api.get(MEMBERS, params=params)).json()
        assert len(page["items"]) <= 2
        seen += [m["slug"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["d0", "d1", "d2", "d3", "d4", "ac", "cdc"]


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 501}, {"cursor": "zz"}, {"colege": "x"}]
)
async def test_list_refuses_bad_parameters(api, params):
    assert (await api.get(MEMBERS, params=params)).status_code == 422


async def test_tenants_see_only_their_member(api):
    await api.member("hds")
    await api.member("idf", kind="region")
    as_viewer = ("member-viewer", "hds")
    listed = (await api.get(MEMBERS, as_=as_viewer)).json()
    assert [m["slug"] for m in listed["items"]] == ["hds"]
    assert (await api.get(f"{MEMBERS}/hds", as_=as_viewer)).status_code == 200
    other = await api.get(f"{MEMBERS}/idf", as_=as_viewer)
    assert other.status_code == 404
    assert "idf" in other.json()["detail"]  # the slug asked for, nothing about the member
    assert "name" not in other.json()


async def test_machine_clients_read_only_their_summary(api):
    await api.member("hds", name="Hauts-de-Seine")
    await api.member("idf", kind="region")
    partner = ("partner", "hds")
    summary = await api.get(f"{MEMBERS}/hds/summary", as_=partner)
    assert summary.status_code == 200
    assert summary.json() == {
        "slug": "hds",
        "name": "Hauts-de-Seine",
        "kind": "departement",
        "college": "collectivites",
        "status": "active",
    }
    assert (await api.get(f"{MEMBERS}/idf/summary", as_=partner)).status_code == 404
    assert (await api.get(f"{MEMBERS}/hds", as_=partner)).status_code == 403
    assert (await api.get(MEMBERS, as_=("ent-ingest", "hds"))).status_code == 403


async def test_member_by_slug_is_cacheable(api):
    await api.member("hds")
    first = await api.get(f"{MEMBERS}/hds", as_=("service", None))
    etag = first.headers["etag"]
    again = await api.get(f"{MEMBERS}/hds", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    weak = await api.get(f"{MEMBERS}/hds", headers={"If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    await api.patch(f"{MEMBERS}/hds", {"contact_name": "Nouveau"})
    changed = await api.get(f"{MEMBERS}/hds", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


async def test_idp_down_leaves_the_member_pending_then_reconcile(api, idp):
    idp.down = True
    created = await api.member("hds")
    assert created["idp_status"] == "pending"
    assert created["idp_org_id"] is None
    assert (await api.get(f"{MEMBERS}/hds")).json()["idp_status"] == "pending"

    still_down = (await api.post("/api/v1/idp/reconcile")).json()
    assert still_down["checked"] == 1 and "hds" in still_down["pending"]

    idp.down = False
    done = (await api.post("/api/v1/idp/reconcile")).json()
    assert done == {"checked": 1, "provisioned": ["hds"], "pending": {}}
    member = (await api.get(f"{MEMBERS}/hds")).json()
    assert member["idp_status"] == "provisioned"
    assert member["idp_org_id"] == idp.org_by_alias("hds").id

    calls = idp.calls
    nothing = (await api.post("/api/v1/idp/reconcile")).json()
    assert nothing == {"checked": 0, "provisioned": [], "pending": {}}
    assert idp.calls == calls
    assert len(idp.orgs) == 1


async def test_reconcile_adopts_an_organisation_a_lost_answer_created(api, idp):
    idp.down = True
    await api.member("hds", name="Hauts-de-Seine")
    idp.down = False
    # The IdP made the organisation but its answer never arrived.
    from tenants.idp.port import Organization

    org_id = await idp.ensure_organization(Organization("hds", "Hauts-de-Seine"), known_id=None)
    await api.post("/api/v1/idp/reconcile")
    assert (await api.get(f"{MEMBERS}/hds")).json()["idp_org_id"] == org_id
    assert len(idp.orgs) == 1
