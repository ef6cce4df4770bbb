"""The chassis as tenants serves it: health, readiness (a database, no peer), metrics, errors,
request ids (gipkit's tests, run against this service's app), and what is tenants' own."""

import pytest

from gipkit.testing.chassis import *  # noqa: F403

SERVICE = "tenants"


@pytest.mark.anyio
async def test_405_lists_every_method_of_the_resource(client):
    response = await client.put("/api/v1/members")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"] == "application/problem+json"
