"""Per-client token buckets: the limiter alone, then through the gateway."""

import pytest

from gateway.ratelimit import TokenBucketLimiter, client_key
from gipkit.auth import Principal

pytestmark = pytest.mark.anyio


def limiter(clock, per_minute=60, burst=3, **kw):
    return TokenBucketLimiter(per_minute=per_minute, burst=burst, clock=clock, **kw)


def test_burst_then_refusal_with_retry_after(clock):
    bucket = limiter(clock, per_minute=60, burst=3)
    assert [bucket.acquire("a").allowed for _ in range(3)] == [True, True, True]
    refused = bucket.acquire("a")
    assert not refused.allowed
    assert refused.retry_after == 1  # one token a second
    clock.advance(1.0)
    assert bucket.acquire("a").allowed
    assert not bucket.acquire("a").allowed


def test_retry_after_is_whole_seconds_at_least_one(clock):
    slow = limiter(clock, per_minute=6, burst=1)  # one token every 10 s
    assert slow.acquire("a").allowed
    assert slow.acquire("a").retry_after == 10
    clock.advance(9.5)
    assert slow.acquire("a").retry_after == 1  # 0.5 s rounds up, never 0
    fast = limiter(clock, per_minute=6000, burst=1)
    assert fast.acquire("b").allowed
    assert fast.acquire("b").retry_after == 1


def test_refill_never_exceeds_the_burst(clock):
    bucket = limiter(clock, per_minute=60, burst=2)
    bucket.acquire("a")
    clock.advance(3600)
    assert [bucket.acquire("a").allowed for _ in range(3)] == [True, True, False]


def test_keys_are_independent(clock):
    bucket = limiter(clock, burst=1)
    assert bucket.acquire("a").allowed
    assert not bucket.acquire("a").allowed
    assert bucket.acquire("b").allowed


def test_a_backwards_clock_does_not_mint_tokens(clock):
    bucket = limiter(clock, burst=1)
    bucket.acquire("a")
    clock.advance(-100)
    assert not bucket.acquire("a").allowed


def test_memory_is_bounded_least_recently_used_first(clock):
    bucket = limiter(clock, burst=1, max_keys=2)
    bucket.acquire("a")
    bucket.acquire("b")
    bucket.acquire("a")  # b is now the least recently used
    bucket.acquire("c")
    assert len(bucket) == 2
    assert not bucket.acquire("a").allowed  # still tracked
    assert bucket.acquire("b").allowed  # forgotten, so a fresh bucket


def test_zero_rate_disables_the_limit(clock):
    bucket = limiter(clock, per_minute=0, burst=1)
    assert all(bucket.acquire("a").allowed for _ in range(100))


def test_keys_prefer_the_verified_client():
    machine = Principal(
        subject="sa-1", client_id="demo-partner", roles=frozenset(), organization=None
    )
    assert client_key(machine, "10.0.0.1") == "client:demo-partner:sa-1"
    assert client_key(None, "10.0.0.1") == "ip:10.0.0.1"
    assert client_key(None, None) == "ip:unknown"


# --- through the gateway -----------------------------------------------------------------


def _install(clock, per_minute=60, burst=2):
    def setup(app):
        app.state.rate_limiter = TokenBucketLimiter(per_minute=per_minute, burst=burst, clock=clock)

    return setup


async def test_429_with_retry_after_then_recovery(gateway, tokens, clock, helpers):
    partner = tokens.headers(roles=["partner"], client_id="demo-partner", subject="sa-partner")
    async with gateway(setup=_install(clock)) as app, helpers.asgi_client(app) as client:
        statuses = [
            (await client.get("/api/v1/notes", headers=partner)).status_code for _ in range(2)
        ]
        refused = await client.get("/api/v1/notes", headers=partner)
        assert statuses == [200, 200]
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["status"] == 429

        # Another client, even from the same address, has its own bucket.
        other = tokens.headers(roles=["partner"], client_id="other-partner", subject="sa-other")
        assert (await client.get("/api/v1/notes", headers=other)).status_code == 200
        # A fresh token of the same client shares the bucket.
        again = tokens.headers(roles=["partner"], client_id="demo-partner", subject="sa-partner")
        assert (await client.get("/api/v1/notes", headers=again)).status_code == 429

        clock.advance(1.0)
        assert (await client.get("/api/v1/notes", headers=partner)).status_code == 200
        assert (await client.get("/api/v1/notes", headers=partner)).status_code == 429


async def test_anonymous_callers_are_limited_by_address(gateway, clock, helpers):
    async with gateway(setup=_install(clock, burst=1)) as app:
        async with (
            helpers.asgi_client(app, "198.51.100.1") as first,
            helpers.asgi_client(app, "198.51.100.2") as second,
        ):
            assert (await first.get("/collect?s=1")).status_code == 200
            assert (await first.get("/collect?s=1")).status_code == 429
            assert (await second.get("/collect?s=1")).status_code == 200
            # A forged X-Forwarded-For does not buy a new bucket.
            forged = await first.get("/collect?s=1", headers={"X-Forwarded-For": "192.0.2.9"})
            assert forged.status_code == 429


async def test_bad_tokens_are_charged_to_the_address(gateway, clock, helpers):
    async with gateway(setup=_install(clock, burst=2)) as app, helpers.asgi_client(app) as client:
        bad = {"Authorization": "Bearer forged"}
        assert (await client.get("/api/v1/members", headers=bad)).status_code == 401
        assert (await client.get("/api/v1/members", headers=bad)).status_code == 401
        assert (await client.get("/api/v1/members", headers=bad)).status_code == 429


async def test_operations_routes_are_not_limited(gateway, clock, helpers):
    async with gateway(setup=_install(clock, burst=1)) as app, helpers.asgi_client(app) as client:
        for _ in range(5):
            assert (await client.get("/healthz")).status_code == 200


def test_settings_build_the_limiter(make_settings):
    from gateway.main import create

    app = create(make_settings(rate_limit_per_minute=120, rate_limit_burst=7))
    bucket = app.state.rate_limiter
    assert bucket.rate == 2.0
    assert bucket.burst == 7
