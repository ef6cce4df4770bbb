"""Usage events: idempotency keys, and usage-priced options billed from them."""

import pytest

pytestmark = pytest.mark.anyio

HDS = "hauts-de-seine"
EVENT = {
    "member": HDS,
    "prestation": "pull",
    "quantity": 3,
    "occurred_at": "2026-05-04T10:00:00+02:00",
}


def as_service(api, key, client_id="svc-reports"):
    headers = {**api.tokens.headers(roles=["service"], client_id=client_id), "Idempotency-Key": key}
    return headers


async def usage_catalogue(api):
    await api.catalogue()
    await api.prestation(
        code="pull",
        label="Accès API (à l'appel)",
        kind="option",
        cost_cents=0,
        key="usage",
        unit_price_cents=250,
        vat_rate_bp=2000,
    )


async def test_same_key_same_body_counts_once(api, client, fake_peers):
    await usage_catalogue(api)
    first = await client.post("/api/v1/usage", json=EVENT, headers=as_service(api, "note-1"))
    assert first.status_code == 201, first.text
    again = await client.post(
        "/api/v1/usage", json=dict(reversed(list(EVENT.items()))), headers=as_service(api, "note-1")
    )
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotency-replayed"] == "true"
    other = await client.post(
        "/api/v1/usage", json={**EVENT, "quantity": 4}, headers=as_service(api, "note-1")
    )
    assert other.status_code == 422
    # Keys belong to their caller: another service may use the same one.
    mine = await client.post(
        "/api/v1/usage", json=EVENT, headers=as_service(api, "note-1", client_id="svc-measure")
    )
    assert mine.status_code == 201 and mine.json()["id"] != first.json()["id"]
    run = await api.run()
    page = await api.ok(
        "GET", f"/api/v1/allocations/{run['id']}/lines", params={"prestation": "pull"}
    )
    (line,) = page["items"]
    # 3 + 3 units (two callers), 2.50 € each; the replay counted once.
    assert (line["key_value"], line["amount_cents"]) == (6, 1500)


async def test_usage_needs_the_key_the_role_and_a_known_prestation(api, client):
    await usage_catalogue(api)
    missing = await client.post(
        "/api/v1/usage", json=EVENT, headers=api.tokens.headers(roles=["service"])
    )
    assert missing.status_code == 422
    admin = await client.post(
        "/api/v1/usage", json=EVENT, headers={**api.headers("gip-admin"), "Idempotency-Key": "k"}
    )
    assert admin.status_code == 403
    unknown = await client.post(
        "/api/v1/usage", json={**EVENT, "prestation": "nope"}, headers=as_service(api, "k2")
    )
    assert unknown.status_code == 404
    naive = await client.post(
        "/api/v1/usage",
        json={**EVENT, "occurred_at": "2026-05-04T10:00:00"},
        headers=as_service(api, "k3"),
    )
    assert naive.status_code == 422
