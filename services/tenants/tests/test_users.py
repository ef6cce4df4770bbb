"""A member's users: invited into its IdP organisation with a member role."""

import pytest

pytestmark = pytest.mark.anyio


@pytest.fixture
async def members(api):
    await api.member("hds")
    await api.member("idf", kind="region")


async def test_invite_list_and_remove(api, idp, members):
    response = await api.post(
        "/api/v1/members/hds/users",
        {
            "email": "Jeanne.Martin@hauts-de-seine.fr",
            "role": "member-viewer",
            "first_name": "Jeanne",
        },
        as_=("member-admin", "hds"),
    )
    assert response.status_code == 201, response.text
    invited = response.json()
    assert invited["username"] == "jeanne.martin@hauts-de-seine.fr"
    assert invited["roles"] == ["member-viewer"]
    assert invited["invitation_sent"] is True
    org = idp.org_by_alias("hds")
    assert invited["id"] in org.members

    listed = (await api.get("/api/v1/members/hds/users", as_=("member-viewer", "hds"))).json()
    assert [u["email"] for u in listed["items"]] == ["jeanne.martin@hauts-de-seine.fr"]

    gone = await api.delete(
        f"/api/v1/members/hds/users/{invited['id']}", as_=("member-admin", "hds")
    )
    assert gone.status_code == 204
    assert invited["id"] not in org.members
    again = await api.delete(f"/api/v1/members/hds/users/{invited['id']}")
    assert again.status_code == 404


async def test_an_existing_account_is_never_moved(api, members):
    body = {"email": "a@hds.fr", "role": "member-admin"}
    assert (await api.post("/api/v1/members/hds/users", body)).status_code == 201
    same = await api.post("/api/v1/members/idf/users", body)
    assert same.status_code == 409


async def test_only_member_roles_can_be_given(api, members):
    for role in ("gip-admin", "service", "partner"):
        response = await api.post(
            "/api/v1/members/hds/users",
            {"email": "x@hds.fr", "role": role},
            as_=("member-admin", "hds"),
        )
        assert response.status_code == 422


async def test_users_page_by_offset(api, members):
    for i in range(5):
        await api.post(
            "/api/v1/members/hds/users", {"email": f"u{i}@hds.fr", "role": "member-viewer"}
        )
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await api.get("/api/v1/members/hds/users", params=params)).json()
        seen += [u["username"] for u in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"u{i}@hds.fr" for i in range(5)]


async def test_idp_down_is_503_and_a_pending_member_is_provisioned_on_the_way(api, idp):
    idp.down = True
    await api.member("hds")
    down = await api.get("/api/v1/members/hds/users")
    assert down.status_code == 503
    assert down.headers["retry-after"]
    idp.down = False
    up = await api.post("/api/v1/members/hds/users", {"email": "a@hds.fr", "role": "member-admin"})
    assert up.status_code == 201
    assert (await api.get("/api/v1/members/hds")).json()["idp_status"] == "provisioned"
