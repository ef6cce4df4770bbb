"""Machine clients: made in the IdP, secret shown once, rotated, disabled."""

import pytest

pytestmark = pytest.mark.anyio

C = "/api/v1/clients"


@pytest.fixture
async def members(api):
    await api.member("hds")
    await api.member("idf", kind="region")


async def test_create_shows_the_secret_once(api, idp, members):
    response = await api.post(C, {"member": "hds", "kind": "partner"}, as_=("member-admin", "hds"))
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    client = response.json()
    assert client["client_id"] == "hds-partner-1"
    assert client["member"] == "hds" and client["kind"] == "partner" and client["enabled"]
    made = idp.client_by_client_id("hds-partner-1")
    assert made.client.role == "partner" and made.client.organization == "hds"
    assert client["client_secret"] == made.secret
    read = (await api.get(f"{C}/hds-partner-1")).json()
    assert "client_secret" not in read
    second = (await api.post(C, {"member": "hds", "kind": "partner"})).json()
    assert second["client_id"] == "hds-partner-2"


async def test_the_secret_is_not_stored(api, session, members):
    from sqlalchemy import text

    secret = (await api.post(C, {"member": "hds", "kind": "ent-ingest"})).json()["client_secret"]
    rows = (await session.execute(text("SELECT * FROM client"))).all()
    assert rows and all(secret not in str(row) for row in rows)


async def test_rotate_and_disable(api, idp, members):
    first = (await api.post(C, {"member": "hds", "kind": "ent-ingest"})).json()
    rotated = await api.post(f"{C}/{first['client_id']}/secret", as_=("member-admin", "hds"))
    assert rotated.status_code == 200
    new_secret = rotated.json()["client_secret"]
    assert new_secret != first["client_secret"]
    assert idp.client_by_client_id(first["client_id"]).secret == new_secret

    disabled = await api.post(f"{C}/{first['client_id']}/disable", as_=("member-admin", "hds"))
    assert disabled.json()["enabled"] is False and disabled.json()["disabled_at"]
    assert idp.client_by_client_id(first["client_id"]).enabled is False
    again = await api.post(f"{C}/{first['client_id']}/disable")
    assert again.status_code == 200
    enabled = await api.post(f"{C}/{first['client_id']}/enable")
    assert enabled.json()["enabled"] is True and enabled.json()["disabled_at"] is None


async def test_tenancy(api, members):
    await api.post(C, {"member": "hds", "kind": "partner"})
    await api.post(C, {"member": "idf", "kind": "partner"})
    hds = ("member-admin", "hds")
    assert (await api.post(C, {"member": "idf", "kind": "partner"}, as_=hds)).status_code == 404
    listed = (await api.get(C, as_=("member-viewer", "hds"))).json()["items"]
    assert [c["client_id"] for c in listed] == ["hds-partner-1"]
    assert (await api.post(f"{C}/idf-partner-1/secret", as_=hds)).status_code == 404
    assert (
        await api.post(f"{C}/hds-partner-1/secret", as_=("member-viewer", "hds"))
    ).status_code == 403
    by_kind = (await api.get(C, params={"kind": "ent-ingest"})).json()["items"]
    assert by_kind == []


async def test_idp_down_creates_nothing(api, idp, members):
    idp.down = True
    response = await api.post(C, {"member": "hds", "kind": "partner"})
    assert response.status_code == 503
    assert (await api.get(C)).json()["items"] == []
    idp.down = False
    assert (await api.post(C, {"member": "hds", "kind": "partner"})).json()[
        "client_id"
    ] == "hds-partner-1"


async def test_a_left_member_gets_no_new_client(api, members):
    await api.patch("/api/v1/members/hds", {"joined_on": "2013-01-01"})
    await api.post("/api/v1/members/hds/leave", {"left_on": "2020-08-31"})
    assert (await api.post(C, {"member": "hds", "kind": "partner"})).status_code == 409
