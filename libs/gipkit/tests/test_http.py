"""Tests of gipkit.http: tokens, retries, circuit breaker, propagation, error mapping.

The network is an ``httpx.MockTransport`` whose handler counts calls; time is a fake clock and
backoff is zero, so nothing here sleeps.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import anyio
import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from gipkit.http import (
    BearerAuth,
    BreakerState,
    CircuitBreaker,
    ClientCredentials,
    PeerConflict,
    PeerError,
    PeerNotFound,
    PeerTimeout,
    PeerUnauthorized,
    PeerUnavailable,
    PeerValidationError,
    ServiceClient,
    TokenProvider,
    peer_error_from_response,
    request_id_var,
)

pytestmark = pytest.mark.anyio

PEER_URL = "http://tenants.test"
IDP_URL = "http://idp.test"
TOKEN_PATH = "/realms/gip/protocol/openid-connect/token"
CREDS = ClientCredentials(
    idp_url=IDP_URL, realm="gip", client_id="svc-billing", client_secret="svc-billing-secret"
)
PROBLEM = "application/problem+json"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def state_of(breaker: CircuitBreaker) -> BreakerState:
    # A function call, so that mypy does not narrow the property across clock changes.
    return breaker.state


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class Recorder:
    """A mock transport that remembers every request it saw."""

    handler: Handler
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    @property
    def calls(self) -> int:
        return len(self.requests)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def idp_handler(*tokens: str, expires_in: int = 300) -> Handler:
    """An IdP that hands out ``tokens`` in order (the last one forever)."""
    issued = iter(tokens)
    last = tokens[-1]

    def handle(request: httpx.Request) -> httpx.Response:
        nonlocal last
        last = next(issued, last)
        return httpx.Response(
            200, json={"access_token": last, "token_type": "Bearer", "expires_in": expires_in}
        )

    return handle


def problem(status: int, detail: str, **extra: Any) -> httpx.Response:
    body = {"type": "about:blank", "title": "t", "status": status, "detail": detail, **extra}
    return httpx.Response(status, content=json.dumps(body), headers={"Content-Type": PROBLEM})


def ok(body: Any = None) -> httpx.Response:
    return httpx.Response(200, json=body if body is not None else {"ok": True})


def make_client(
    peer: Recorder,
    *,
    tokens: TokenProvider | None = None,
    retries: int = 3,
    breaker: CircuitBreaker | None = None,
    sleep: Callable[[float], Any] | None = None,
) -> ServiceClient:
    kwargs: dict[str, Any] = {}
    if sleep is not None:
        kwargs["sleep"] = sleep
    return ServiceClient(
        "tenants",
        PEER_URL,
        tokens=tokens,
        retries=retries,
        breaker=breaker,
        backoff=0.0,
        transport=peer.transport(),
        **kwargs,
    )


@pytest.fixture
async def idp() -> AsyncIterator[tuple[Recorder, TokenProvider, FakeClock]]:
    recorder = Recorder(idp_handler("t1", "t2", "t3"))
    clock = FakeClock()
    provider = TokenProvider(CREDS, transport=recorder.transport(), clock=clock, backoff=0.0)
    async with provider:
        yield recorder, provider, clock


# --- tokens -----------------------------------------------------------------------------------


async def test_token_request_is_client_credentials_form() -> None:
    recorder = Recorder(idp_handler("t1"))
    async with TokenProvider(CREDS, transport=recorder.transport()) as provider:
        assert await provider.get_token() == "t1"
    (request,) = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == IDP_URL + TOKEN_PATH
    form = parse_qs(request.content.decode())
    assert form == {
        "grant_type": ["client_credentials"],
        "client_id": ["svc-billing"],
        "client_secret": ["svc-billing-secret"],
    }


async def test_secret_not_in_repr() -> None:
    assert "svc-billing-secret" not in repr(CREDS)


async def test_token_fetched_once_and_reused_across_calls(
    idp: tuple[Recorder, TokenProvider, FakeClock],
) -> None:
    idp_rec, provider, _ = idp
    peer = Recorder(lambda r: ok())
    async with make_client(peer, tokens=provider) as client:
        for _ in range(5):
            await client.get("/api/v1/members")
    assert idp_rec.calls == 1
    assert [r.headers["Authorization"] for r in peer.requests] == ["Bearer t1"] * 5


async def test_concurrent_callers_share_one_token_fetch() -> None:
    calls = 0

    async def slow_idp(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        await anyio.sleep(0.01)  # let the other tasks pile up on the lock
        return httpx.Response(200, json={"access_token": f"t{calls}", "expires_in": 300})

    async with TokenProvider(CREDS, transport=httpx.MockTransport(slow_idp)) as provider:
        results: list[str] = []

        async def take() -> None:
            results.append(await provider.get_token())

        async with anyio.create_task_group() as tg:
            for _ in range(10):
                tg.start_soon(take)
    assert calls == 1
    assert results == ["t1"] * 10


@pytest.mark.parametrize(
    ("expires_in", "still_valid_at", "refreshed_at"),
    [
        (300, 269, 271),  # margin = 30 s (= 10 %)
        (600, 569, 571),  # margin = 30 s (10 % would be 60 s)
        (60, 53, 55),  # margin = 6 s (10 %, smaller than 30 s)
    ],
)
async def test_token_refreshed_close_to_expiry(
    expires_in: int, still_valid_at: float, refreshed_at: float
) -> None:
    recorder = Recorder(idp_handler("t1", "t2", expires_in=expires_in))
    clock = FakeClock()
    start = clock.now
    async with TokenProvider(CREDS, transport=recorder.transport(), clock=clock) as provider:
        assert await provider.get_token() == "t1"
        clock.now = start + still_valid_at
        assert await provider.get_token() == "t1"
        assert recorder.calls == 1
        clock.now = start + refreshed_at
        assert await provider.get_token() == "t2"
        assert recorder.calls == 2


async def test_refresh_with_an_already_replaced_token_does_not_fetch_again(
    idp: tuple[Recorder, TokenProvider, FakeClock],
) -> None:
    idp_rec, provider, _ = idp
    assert await provider.get_token() == "t1"
    assert await provider.refresh(stale="t1") == "t2"
    # A second caller that was refused with t1 too gets t2 without another fetch.
    assert await provider.refresh(stale="t1") == "t2"
    assert idp_rec.calls == 2


async def test_token_endpoint_refusal_is_peer_unauthorized() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401, json={"error": "invalid_client", "error_description": "bad secret"}
        )

    async with TokenProvider(CREDS, transport=httpx.MockTransport(refuse)) as provider:
        with pytest.raises(PeerUnauthorized) as info:
            await provider.get_token()
    assert info.value.peer == "idp"
    assert info.value.detail == "bad secret"


# --- authorization ----------------------------------------------------------------------------


async def test_authorization_header_sent(idp: tuple[Recorder, TokenProvider, FakeClock]) -> None:
    _, provider, _ = idp
    peer = Recorder(lambda r: ok())
    async with make_client(peer, tokens=provider) as client:
        await client.get("/x")
    assert peer.requests[0].headers["Authorization"] == "Bearer t1"


async def test_no_provider_no_authorization_header() -> None:
    peer = Recorder(lambda r: ok())
    async with make_client(peer) as client:
        await client.get("/x")
    assert "Authorization" not in peer.requests[0].headers


async def test_caller_authorization_kept_and_no_token_fetched(
    idp: tuple[Recorder, TokenProvider, FakeClock],
) -> None:
    idp_rec, provider, _ = idp
    peer = Recorder(lambda r: ok())
    async with make_client(peer, tokens=provider) as client:
        await client.get("/x", headers={"Authorization": "Bearer user-token"})
    assert peer.requests[0].headers["Authorization"] == "Bearer user-token"
    assert idp_rec.calls == 0


async def test_401_refreshes_token_once_and_retries_once(
    idp: tuple[Recorder, TokenProvider, FakeClock],
) -> None:
    idp_rec, provider, _ = idp

    def peer_handler(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer t1":
            return problem(401, "token revoked")
        return ok({"id": 1})

    peer = Recorder(peer_handler)
    async with make_client(peer, tokens=provider) as client:
        # A POST without Idempotency-Key too: a 401 means the peer did nothing.
        assert await client.post("/x", json={"a": 1}) == {"id": 1}
    assert idp_rec.calls == 2
    assert [r.headers["Authorization"] for r in peer.requests] == ["Bearer t1", "Bearer t2"]


async def test_bearer_auth_outlives_its_first_token(
    idp: tuple[Recorder, TokenProvider, FakeClock],
) -> None:
    # A plain httpx client (the demo loaders'): the token is renewed near its expiry, and a
    # request refused with 401 goes once more, body included, with a fresh one.
    idp_rec, provider, clock = idp
    seen: list[str] = []  # as sent: a retry reuses (and re-heads) the same request object

    def peer_handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        if seen[-1] == "Bearer t2":
            return problem(401, "token expired")
        return ok({"got": json.loads(request.content or b"null")})

    peer = Recorder(peer_handler)
    async with httpx.AsyncClient(
        base_url=PEER_URL, transport=peer.transport(), auth=BearerAuth(provider)
    ) as client:
        assert (await client.post("/x", json={"n": 1})).json() == {"got": {"n": 1}}
        clock.advance(280)  # within the token's last 30 s: a new one before sending
        refused_then_sent = await client.post("/x", json={"n": 2})
        assert refused_then_sent.status_code == 200
        assert refused_then_sent.json() == {"got": {"n": 2}}
    assert seen == ["Bearer t1", "Bearer t2", "Bearer t3"]
    assert idp_rec.calls == 3


async def test_bearer_auth_gives_up_after_one_refresh(
    idp: tuple[Recorder, TokenProvider, FakeClock],
) -> None:
    idp_rec, provider, _ = idp
    peer = Recorder(lambda r: problem(401, "not for you"))
    async with httpx.AsyncClient(
        base_url=PEER_URL, transport=peer.transport(), auth=BearerAuth(provider)
    ) as client:
        assert (await client.get("/x")).status_code == 401
    assert peer.calls == 2 and idp_rec.calls == 2


async def test_401_twice_gives_peer_unauthorized_after_one_refresh(
    idp: tuple[Recorder, TokenProvider, FakeClock],
) -> None:
    idp_rec, provider, _ = idp
    peer = Recorder(lambda r: problem(401, "nope"))
    async with make_client(peer, tokens=provider) as client:
        with pytest.raises(PeerUnauthorized) as info:
            await client.get("/x")
    assert info.value.status == 401
    assert peer.calls == 2
    assert idp_rec.calls == 2


async def test_403_does_not_refresh(idp: tuple[Recorder, TokenProvider, FakeClock]) -> None:
    idp_rec, provider, _ = idp
    peer = Recorder(lambda r: problem(403, "missing role"))
    async with make_client(peer, tokens=provider) as client:
        with pytest.raises(PeerUnauthorized):
            await client.get("/x")
    assert peer.calls == 1
    assert idp_rec.calls == 1


# --- retries ----------------------------------------------------------------------------------


def sequence(*responses: httpx.Response | Exception) -> Handler:
    """Answer with ``responses`` in order, then repeat the last one."""
    items = list(responses)

    def handle(request: httpx.Request) -> httpx.Response:
        item = items.pop(0) if len(items) > 1 else items[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handle


async def test_get_retried_on_503_then_succeeds() -> None:
    peer = Recorder(sequence(problem(503, "busy"), problem(503, "busy"), ok({"n": 3})))
    async with make_client(peer) as client:
        assert await client.get("/x") == {"n": 3}
    assert peer.calls == 3


@pytest.mark.parametrize("status", [502, 504])
async def test_get_retried_on_502_and_504(status: int) -> None:
    peer = Recorder(sequence(httpx.Response(status), ok()))
    async with make_client(peer) as client:
        await client.get("/x")
    assert peer.calls == 2


async def test_get_gives_up_after_retries() -> None:
    peer = Recorder(lambda r: problem(503, "busy"))
    async with make_client(peer, retries=3) as client:
        with pytest.raises(PeerUnavailable):
            await client.get("/x")
    assert peer.calls == 4  # 1 + 3 retries


async def test_500_not_retried() -> None:
    peer = Recorder(lambda r: problem(500, "bug"))
    async with make_client(peer) as client:
        with pytest.raises(PeerError) as info:
            await client.get("/x")
    assert type(info.value) is PeerError
    assert peer.calls == 1


@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_post_without_idempotency_key_not_retried_on_503(method: str) -> None:
    peer = Recorder(sequence(problem(503, "busy"), ok()))
    async with make_client(peer) as client:
        with pytest.raises(PeerUnavailable):
            await client.request(method, "/x", json={"a": 1})
    assert peer.calls == 1


async def test_post_with_idempotency_key_retried() -> None:
    peer = Recorder(sequence(problem(503, "busy"), problem(503, "busy"), ok({"id": 7})))
    async with make_client(peer) as client:
        assert await client.post("/x", json={"a": 1}, idempotency_key="k-1") == {"id": 7}
    assert peer.calls == 3
    assert {r.headers["Idempotency-Key"] for r in peer.requests} == {"k-1"}
    assert {r.content for r in peer.requests} == {b'{"a":1}'}


async def test_idempotency_key_given_as_header_also_allows_retry() -> None:
    peer = Recorder(sequence(problem(503, "busy"), ok()))
    async with make_client(peer) as client:
        await client.patch("/x", json={}, headers={"idempotency-key": "k-2"})
    assert peer.calls == 2


@pytest.mark.parametrize("status", [400, 404, 409, 410, 422, 429])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_4xx_never_retried(method: str, status: int) -> None:
    peer = Recorder(lambda r: problem(status, "no"))
    async with make_client(peer) as client:
        with pytest.raises(PeerError) as info:
            await client.request(method, "/x")
    assert info.value.status == status
    assert peer.calls == 1


async def test_connect_error_gives_peer_unavailable_after_the_retries() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    peer = Recorder(refuse)
    async with make_client(peer, retries=2) as client:
        with pytest.raises(PeerUnavailable) as info:
            await client.get("/x")
    assert peer.calls == 3
    assert info.value.status is None
    assert info.value.peer == "tenants"
    assert isinstance(info.value.__cause__, httpx.ConnectError)


async def test_connect_error_then_success() -> None:
    peer = Recorder(sequence(httpx.ConnectError("refused"), ok({"v": 1})))
    async with make_client(peer) as client:
        assert await client.get("/x") == {"v": 1}
    assert peer.calls == 2


async def test_read_timeout_gives_peer_timeout() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    peer = Recorder(slow)
    async with make_client(peer, retries=1) as client:
        with pytest.raises(PeerTimeout):
            await client.get("/x")
    assert peer.calls == 2


async def test_read_timeout_on_post_without_key_not_retried() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    peer = Recorder(slow)
    async with make_client(peer) as client:
        with pytest.raises(PeerTimeout):
            await client.post("/x", json={})
    assert peer.calls == 1


async def test_backoff_grows_exponentially_with_jitter() -> None:
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    peer = Recorder(lambda r: problem(503, "busy"))
    client = ServiceClient(
        "tenants",
        PEER_URL,
        tokens=None,
        retries=3,
        backoff=0.1,
        backoff_max=10.0,
        sleep=fake_sleep,
        transport=peer.transport(),
    )
    async with client:
        with pytest.raises(PeerUnavailable):
            await client.get("/x")
    assert len(waits) == 3
    for n, wait in enumerate(waits):
        base = 0.1 * 2**n
        assert base <= wait <= base + 0.1


# --- error mapping ----------------------------------------------------------------------------


async def test_problem_404_gives_peer_not_found_with_detail() -> None:
    peer = Recorder(lambda r: problem(404, "member hauts-de-seine not found"))
    async with make_client(peer) as client:
        with pytest.raises(PeerNotFound) as info:
            await client.get("/api/v1/members/hauts-de-seine")
    err = info.value
    assert err.peer == "tenants"
    assert err.status == 404
    assert err.detail == "member hauts-de-seine not found"
    assert err.problem["detail"] == "member hauts-de-seine not found"
    assert err.problem["type"] == "about:blank"


async def test_409_gives_peer_conflict() -> None:
    peer = Recorder(lambda r: problem(409, "same key, request in progress"))
    async with make_client(peer) as client:
        with pytest.raises(PeerConflict) as info:
            await client.put("/x", json={})
    assert info.value.detail == "same key, request in progress"


async def test_422_gives_validation_error_with_errors() -> None:
    errors = [{"loc": ["body", "slug"], "msg": "required"}]
    peer = Recorder(lambda r: problem(422, "invalid", errors=errors))
    async with make_client(peer) as client:
        with pytest.raises(PeerValidationError) as info:
            await client.post("/x", json={})
    assert info.value.problem["errors"] == errors


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, PeerError),
        (401, PeerUnauthorized),
        (403, PeerUnauthorized),
        (404, PeerNotFound),
        (409, PeerConflict),
        (422, PeerValidationError),
        (500, PeerError),
        (502, PeerUnavailable),
        (503, PeerUnavailable),
        (504, PeerTimeout),
    ],
)
def test_status_mapping(status: int, cls: type[PeerError]) -> None:
    err = peer_error_from_response("p", problem(status, "d"))
    assert type(err) is cls
    assert err.status == status


def test_503_retry_after_kept() -> None:
    response = httpx.Response(503, headers={"Retry-After": "17"}, json={"detail": "restarting"})
    err = peer_error_from_response("p", response)
    assert isinstance(err, PeerUnavailable)
    assert err.retry_after == 17.0


async def test_non_json_error_body_gives_peer_error_with_short_detail() -> None:
    html = "<html><body>" + "Bad gateway " * 100 + "</body></html>"
    peer = Recorder(lambda r: httpx.Response(418, text=html))
    async with make_client(peer) as client:
        with pytest.raises(PeerError) as info:
            await client.get("/x")
    err = info.value
    assert err.status == 418
    assert err.detail is not None
    assert err.detail.startswith("<html><body>Bad gateway")
    assert len(err.detail) <= 200


async def test_empty_body_returns_none_and_raw_returns_response() -> None:
    peer = Recorder(
        sequence(httpx.Response(204), httpx.Response(200, text="a,b\n", headers={"ETag": '"1"'}))
    )
    async with make_client(peer) as client:
        assert await client.delete("/x") is None
        response = await client.request_raw("GET", "/export.csv")
    assert response.text == "a,b\n"
    assert response.headers["ETag"] == '"1"'


async def test_non_json_success_body_on_json_call_is_an_error() -> None:
    peer = Recorder(lambda r: httpx.Response(200, text="%PDF-1.7"))
    async with make_client(peer) as client:
        with pytest.raises(PeerError, match="request_raw"):
            await client.get("/note.pdf")


async def test_params_and_json_are_sent() -> None:
    peer = Recorder(lambda r: ok())
    async with make_client(peer) as client:
        await client.put("/api/v1/x", params={"at": "2026-01-01", "n": 3}, json={"a": [1]})
    request = peer.requests[0]
    assert request.url.path == "/api/v1/x"
    assert dict(request.url.params) == {"at": "2026-01-01", "n": "3"}
    assert json.loads(request.content) == {"a": [1]}


# --- circuit breaker --------------------------------------------------------------------------


async def test_breaker_opens_fails_fast_half_opens_and_closes() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, reset_timeout=30.0, clock=clock)
    healthy = False

    def handler(request: httpx.Request) -> httpx.Response:
        return ok() if healthy else problem(503, "down")

    peer = Recorder(handler)
    async with make_client(peer, retries=0, breaker=breaker) as client:
        for _ in range(3):
            with pytest.raises(PeerUnavailable):
                await client.get("/x")
        assert peer.calls == 3
        assert state_of(breaker) is BreakerState.OPEN

        # Open: fails fast, the transport is not called.
        clock.advance(10)
        with pytest.raises(PeerUnavailable) as info:
            await client.get("/x")
        assert peer.calls == 3
        assert info.value.status is None
        assert info.value.retry_after == pytest.approx(20.0)

        # After the cool-down: half-open, one trial goes out; the peer is back: closed.
        clock.advance(20)
        assert state_of(breaker) is BreakerState.HALF_OPEN
        healthy = True
        assert await client.get("/x") == {"ok": True}
        assert peer.calls == 4
        assert state_of(breaker) is BreakerState.CLOSED
        await client.get("/x")
        assert peer.calls == 5


async def test_breaker_failed_trial_reopens_for_another_cool_down() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, reset_timeout=30.0, clock=clock)
    peer = Recorder(lambda r: problem(503, "down"))
    async with make_client(peer, retries=0, breaker=breaker) as client:
        for _ in range(2):
            with pytest.raises(PeerUnavailable):
                await client.get("/x")
        clock.advance(30)
        with pytest.raises(PeerUnavailable):
            await client.get("/x")  # the trial: reaches the peer, fails
        assert peer.calls == 3
        assert state_of(breaker) is BreakerState.OPEN
        clock.advance(29)
        with pytest.raises(PeerUnavailable):
            await client.get("/x")
        assert peer.calls == 3


async def test_breaker_counts_attempts_and_stops_retries_once_open() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    breaker = CircuitBreaker(failure_threshold=2, reset_timeout=30.0, clock=FakeClock())
    peer = Recorder(refuse)
    async with make_client(peer, retries=5, breaker=breaker) as client:
        with pytest.raises(PeerUnavailable):
            await client.get("/x")
    assert peer.calls == 2


async def test_4xx_does_not_count_as_breaker_failure() -> None:
    breaker = CircuitBreaker(failure_threshold=2, clock=FakeClock())
    peer = Recorder(lambda r: problem(404, "no"))
    async with make_client(peer, breaker=breaker) as client:
        for _ in range(5):
            with pytest.raises(PeerNotFound):
                await client.get("/x")
    assert state_of(breaker) is BreakerState.CLOSED
    assert peer.calls == 5


def test_breaker_half_open_lets_a_single_trial_through() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=5.0, clock=clock)
    breaker.record_failure()
    assert not breaker.try_acquire()
    clock.advance(5)
    assert breaker.try_acquire()  # the trial
    assert not breaker.try_acquire()  # others wait for its verdict
    breaker.release()  # the trial was cancelled: no verdict
    assert breaker.try_acquire()
    breaker.record_success()
    assert state_of(breaker) is BreakerState.CLOSED
    assert breaker.try_acquire()
    assert breaker.try_acquire()


def test_success_resets_consecutive_failures() -> None:
    breaker = CircuitBreaker(failure_threshold=3, clock=FakeClock())
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    breaker.record_failure()
    assert state_of(breaker) is BreakerState.CLOSED
    breaker.record_failure()
    assert state_of(breaker) is BreakerState.OPEN


# --- propagation ------------------------------------------------------------------------------


async def test_request_id_and_traceparent_propagated() -> None:
    # A provider of our own: the global one stays untouched. inject() reads the span from the
    # current context, which start_as_current_span sets whatever the global provider is.
    tracer = TracerProvider().get_tracer("test")
    peer = Recorder(lambda r: ok())
    reset = request_id_var.set("req-123")
    try:
        async with make_client(peer) as client:
            with tracer.start_as_current_span("incoming") as span:
                await client.get("/x")
    finally:
        request_id_var.reset(reset)
    ctx = span.get_span_context()
    headers = peer.requests[0].headers
    assert headers["X-Request-ID"] == "req-123"
    # Flags are whatever the SDK set (sampled, and "random trace id" in recent versions).
    flags = f"{int(ctx.trace_flags):02x}"
    assert headers["traceparent"] == f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{flags}"
    assert ctx.trace_flags.sampled


async def test_no_request_id_header_without_a_request_id() -> None:
    peer = Recorder(lambda r: ok())
    async with make_client(peer) as client:
        await client.get("/x")
    assert "X-Request-ID" not in peer.requests[0].headers
    assert "traceparent" not in peer.requests[0].headers


async def test_caller_request_id_wins() -> None:
    peer = Recorder(lambda r: ok())
    reset = request_id_var.set("from-context")
    try:
        async with make_client(peer) as client:
            await client.get("/x", headers={"X-Request-ID": "explicit"})
    finally:
        request_id_var.reset(reset)
    assert peer.requests[0].headers["X-Request-ID"] == "explicit"


# --- readiness --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (lambda r: httpx.Response(200, json={"status": "ok"}), True),
        (lambda r: httpx.Response(503), False),
        (sequence(httpx.ConnectError("refused")), False),
        (sequence(httpx.ConnectTimeout("slow")), False),
    ],
)
async def test_ready(
    answer: Handler, expected: bool, idp: tuple[Recorder, TokenProvider, FakeClock]
) -> None:
    idp_rec, provider, _ = idp
    peer = Recorder(answer)
    async with make_client(peer, tokens=provider) as client:
        assert await client.ready() is expected
    assert [r.url.path for r in peer.requests] == ["/healthz"]
    assert idp_rec.calls == 0  # /healthz is public: readiness must not depend on the IdP


async def test_aclose_closes_the_client() -> None:
    peer = Recorder(lambda r: ok())
    client = make_client(peer)
    await client.aclose()
    with pytest.raises(RuntimeError):
        await client.get("/x")


@pytest.mark.anyio
async def test_retry_after_transport_waits_as_told_then_succeeds():
    from gipkit.http import RetryAfterTransport

    answers = [429, 429, 200]
    waits: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        status = answers.pop(0)
        return httpx.Response(status, headers={"Retry-After": "2"} if status == 429 else {})

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    transport = RetryAfterTransport(httpx.MockTransport(handler), sleep=sleep)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post("/api/v1/members", json={"slug": "x"})
    assert response.status_code == 200
    assert waits == [2.0, 2.0]
