"""/api/v1/partner/indicators: the notes' rules and metering, for indicators."""

import pytest
from sqlmodel import select

from reports.usage.models import UsageOutbox

pytestmark = pytest.mark.anyio

URL = "/api/v1/partner/indicators"
Q1 = {"from": "2026-01-01", "to": "2026-03-31"}


def partner(tokens, org="hauts-de-seine"):
    return tokens.headers(roles=["partner"], organization=org, client_id="demo-partner")


async def test_partner_pulls_its_indicators_and_is_metered(client, tokens, fake_peers, session):
    params = {
        "scope": "member:hauts-de-seine",
        **Q1,
        "group_by": "profile",
        "compare": "previous_year",
    }
    answer = await client.get(URL, params=params, headers=partner(tokens))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["from"] == "2026-01-01" and body["method_version"] == "v1"
    assert body["totals"]["visits"] == 1200
    assert {g["key"] for g in body["groups"]} == {"1", "2", "3", "4"}
    assert fake_peers.indicator_calls[-1]["compare"] is True
    usage = (await session.exec(select(UsageOutbox))).all()
    assert [(u.kind, u.member) for u in usage] == [("partner_pull", "hauts-de-seine")]


async def test_same_rules_as_notes(client, tokens, fake_peers, session):
    mine = {"scope": "member:hauts-de-seine", **Q1}
    assert (
        await client.get(URL, params=mine, headers=partner(tokens, "ile-de-france"))
    ).status_code == 404
    theirs = {"scope": "member:ile-de-france", **Q1}
    refused = await client.get(URL, params=theirs, headers=partner(tokens, "ile-de-france"))
    assert refused.status_code == 403 and refused.json()["prestation"] == "notes-synthese"
    assert (await client.get(URL, params=mine)).status_code == 401
    national = {"scope": "national", **Q1}
    assert (await client.get(URL, params=national, headers=partner(tokens))).status_code == 403
    admin = tokens.headers(roles=["gip-admin"])
    assert (await client.get(URL, params=national, headers=admin)).status_code == 200
    assert (await session.exec(select(UsageOutbox))).all() == []  # gip-admin is not metered
    fake_peers.down = {"measure"}
    assert (await client.get(URL, params=mine, headers=partner(tokens))).status_code == 503
    unknown = await client.get(URL, params={**mine, "form": "2026-01-01"}, headers=partner(tokens))
    assert unknown.status_code == 422
