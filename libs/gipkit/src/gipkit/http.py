"""Service-to-service HTTP client.

Every call between services (``measure → tenants``, ``billing → tenants, measure``,
``reports → measure, billing, tenants``) goes through :class:`ServiceClient`, so that they all
behave the same way when a peer is slow, down or answers an error:

* the caller authenticates as itself with a client-credentials token (:class:`TokenProvider`),
  never with the user's token beyond one hop;
* the request id and the W3C trace context travel with the call;
* idempotent calls are retried with exponential backoff and jitter; a POST/PATCH only when it
  carries an ``Idempotency-Key`` (the peer then de-duplicates it);
* a :class:`CircuitBreaker` per peer stops hammering a peer that is down and fails fast;
* error answers (RFC 9457 ``application/problem+json``) become typed :class:`PeerError`\\ s.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Final, Self

import httpx
from opentelemetry import propagate
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from gipkit.context import request_id_var

__all__ = [
    "DEFAULT_TIMEOUT",
    "IDEMPOTENT_METHODS",
    "RETRY_STATUSES",
    "BearerAuth",
    "BreakerState",
    "CircuitBreaker",
    "ClientCredentials",
    "PeerConflict",
    "PeerError",
    "PeerNotFound",
    "PeerTimeout",
    "PeerUnauthorized",
    "PeerUnavailable",
    "PeerValidationError",
    "ServiceClient",
    "TokenProvider",
    "peer_error_from_response",
    "request_id_var",
]

logger = logging.getLogger(__name__)


Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

DEFAULT_TIMEOUT: Final = httpx.Timeout(connect=2.0, read=10.0, write=10.0, pool=2.0)
#: Methods that RFC 9110 defines as idempotent: repeating them cannot do more than once.
IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: Answers that say "not processed, try again" (a proxy or the peer itself is overloaded or
#: restarting). 500 is not here: it usually means a bug, and retrying a bug only adds load.
RETRY_STATUSES: Final = frozenset({502, 503, 504})
# Transport failures worth another attempt: the peer was unreachable, slow, or dropped the
# connection (typically a keep-alive connection closed by the peer during a restart).
_TRANSIENT_ERRORS: Final = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)

_IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
_REQUEST_ID_HEADER: Final = "X-Request-ID"
_DETAIL_MAX_CHARS: Final = 200


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class PeerError(Exception):
    """A peer answered an error, or could not be reached.

    ``status`` is the HTTP status, or ``None`` when there was no answer (connection refused,
    timeout, circuit open). ``problem`` is the peer's problem document as received, or one
    synthesised from a non-JSON body so that ``problem["detail"]`` is always usable.
    """

    def __init__(
        self,
        peer: str,
        status: int | None,
        problem: Mapping[str, Any] | None = None,
        *,
        detail: str | None = None,
    ) -> None:
        self.peer = peer
        self.status = status
        self.problem: dict[str, Any] = dict(problem) if problem is not None else {}
        if detail is not None:
            self.problem.setdefault("detail", detail)
        if status is not None:
            self.problem.setdefault("status", status)
        super().__init__(self._message())

    @property
    def title(self) -> str | None:
        value = self.problem.get("title")
        return value if isinstance(value, str) else None

    @property
    def detail(self) -> str | None:
        # OAuth endpoints (the IdP) answer {"error", "error_description"} instead of a problem.
        for key in ("detail", "error_description", "title", "error"):
            value = self.problem.get(key)
            if isinstance(value, str) and value:
                return value
        return None

    def _message(self) -> str:
        status = "no answer" if self.status is None else str(self.status)
        detail = self.detail
        return f"{self.peer}: {status}" + (f": {detail}" if detail else "")


class PeerNotFound(PeerError):
    """404: the object does not exist, or belongs to another tenant."""


class PeerConflict(PeerError):
    """409: conflicting state, or a concurrent request with the same Idempotency-Key."""


class PeerUnauthorized(PeerError):
    """401/403: our token was refused (even after one refresh), or lacks a role."""


class PeerValidationError(PeerError):
    """422: the peer rejected our payload; ``problem["errors"]`` lists why."""


class PeerUnavailable(PeerError):
    """Connection refused or dropped, 502/503, or the circuit breaker is open.

    ``retry_after`` is in seconds, from the peer's ``Retry-After`` header or the breaker's
    remaining cool-down, when known.
    """

    def __init__(
        self,
        peer: str,
        status: int | None,
        problem: Mapping[str, Any] | None = None,
        *,
        detail: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(peer, status, problem, detail=detail)


class PeerTimeout(PeerError):
    """The peer did not answer in time (our timeout), or a gateway said so (504).

    For a non-idempotent call the outcome is unknown: the peer may have done the work.
    """


_ERRORS_BY_STATUS: Final[Mapping[int, type[PeerError]]] = {
    401: PeerUnauthorized,
    403: PeerUnauthorized,
    404: PeerNotFound,
    409: PeerConflict,
    422: PeerValidationError,
    502: PeerUnavailable,
    503: PeerUnavailable,
    504: PeerTimeout,
}


def _parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _short(text: str) -> str:
    collapsed = " ".join(text.split())
    if len(collapsed) > _DETAIL_MAX_CHARS:
        return collapsed[: _DETAIL_MAX_CHARS - 1] + "…"
    return collapsed


def peer_error_from_response(peer: str, response: httpx.Response) -> PeerError:
    """Turn an error answer (status ≥ 400) into the matching :class:`PeerError` subclass."""
    status = response.status_code
    problem: dict[str, Any]
    try:
        body = response.json()
    except ValueError:  # not JSON (an HTML page from a proxy, plain text, empty body)
        body = None
    if isinstance(body, dict):
        problem = body
    else:
        text = _short(response.text) if response.content else ""
        problem = {
            "title": response.reason_phrase or f"HTTP {status}",
            "status": status,
            "detail": text or response.reason_phrase or f"HTTP {status}",
        }
    cls = _ERRORS_BY_STATUS.get(status, PeerError)
    if cls is PeerUnavailable:
        return PeerUnavailable(
            peer,
            status,
            problem,
            retry_after=_parse_retry_after(response.headers.get("Retry-After")),
        )
    return cls(peer, status, problem)


def _transport_error(peer: str, exc: httpx.TransportError) -> PeerError:
    if isinstance(exc, httpx.TimeoutException):
        return PeerTimeout(peer, None, {"title": "timeout", "detail": f"{type(exc).__name__}"})
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
        return PeerUnavailable(
            peer, None, {"title": "unreachable", "detail": _short(f"{type(exc).__name__}: {exc}")}
        )
    # UnsupportedProtocol, ProxyError, LocalProtocolError: our configuration, not the peer.
    return PeerError(peer, None, {"title": "transport error", "detail": _short(str(exc))})


# --------------------------------------------------------------------------------------------
# Retries (shared by the token provider and the service client)
# --------------------------------------------------------------------------------------------


def _last_outcome(state: RetryCallState) -> httpx.Response:
    # Retries exhausted: hand back the last answer (a 503 becomes PeerUnavailable upstream)
    # or re-raise the last exception, instead of tenacity's opaque RetryError.
    assert state.outcome is not None
    result: httpx.Response = state.outcome.result()
    return result


def _is_retry_status(response: httpx.Response) -> bool:
    return response.status_code in RETRY_STATUSES


async def _with_retries(
    attempt: Callable[[], Awaitable[httpx.Response]],
    *,
    peer: str,
    what: str,
    attempts: int,
    backoff: float,
    backoff_max: float,
    sleep: Sleep,
) -> httpx.Response:
    """Run ``attempt`` up to ``attempts`` times; map transport failures to PeerErrors."""

    def log_retry(state: RetryCallState) -> None:
        outcome = state.outcome
        if outcome is None:
            return
        exc = outcome.exception()
        reason = type(exc).__name__ if exc is not None else str(outcome.result().status_code)
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        logger.warning(
            "retrying %s %s after %s (attempt %d/%d, waiting %.2fs)",
            peer,
            what,
            reason,
            state.attempt_number,
            attempts,
            wait,
        )

    retrying = AsyncRetrying(
        stop=stop_after_attempt(attempts),
        # Full exponential growth from a small base, plus jitter of the same size so that the
        # replicas of a service that all saw the same outage do not retry in lockstep.
        # (Composed rather than wait_exponential_jitter, whose arguments changed within 9.x.)
        wait=wait_exponential(multiplier=backoff, max=backoff_max) + wait_random(0, backoff),
        retry=retry_if_exception_type(_TRANSIENT_ERRORS) | retry_if_result(_is_retry_status),
        retry_error_callback=_last_outcome,
        before_sleep=log_retry,
        sleep=sleep,
    )
    try:
        response: httpx.Response = await retrying(attempt)
    except httpx.TransportError as exc:
        raise _transport_error(peer, exc) from exc
    return response


# --------------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """A confidential client of the realm (``svc-billing`` …) and where to get its tokens."""

    idp_url: str
    realm: str
    client_id: str
    client_secret: str = field(repr=False)  # never in a log line or a traceback
    scope: str | None = None

    @property
    def token_url(self) -> str:
        # Keycloak's path; the dev IdP serves the same one.
        return f"{self.idp_url.rstrip('/')}/realms/{self.realm}/protocol/openid-connect/token"


@dataclass(frozen=True, slots=True)
class _CachedToken:
    value: str = field(repr=False)
    refresh_at: float  # on the provider's clock


class TokenProvider:
    """Client-credentials access tokens, fetched once and reused until shortly before expiry.

    One provider per service process, shared by all its :class:`ServiceClient`\\ s (it is not
    closed by them). Concurrent callers wait for a single in-flight fetch.
    """

    #: Refresh this long before expiry at most …
    MARGIN_SECONDS: Final = 30.0
    #: … or this fraction of the lifetime, whichever is smaller (short-lived test tokens).
    MARGIN_FRACTION: Final = 0.1
    #: When the IdP omits ``expires_in`` (it should not), assume a short lifetime.
    DEFAULT_EXPIRES_IN: Final = 60.0

    def __init__(
        self,
        credentials: ClientCredentials,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = httpx.Timeout(5.0, connect=2.0),
        clock: Clock = time.monotonic,
        retries: int = 2,
        backoff: float = 0.2,
        backoff_max: float = 2.0,
        sleep: Sleep = asyncio.sleep,
        peer: str = "idp",
    ) -> None:
        self.credentials = credentials
        self.peer = peer
        self._client = httpx.AsyncClient(transport=transport, timeout=timeout)
        self._clock = clock
        self._attempts = retries + 1
        self._backoff = backoff
        self._backoff_max = backoff_max
        self._sleep = sleep
        self._token: _CachedToken | None = None
        self._lock = asyncio.Lock()

    async def get_token(self) -> str:
        """A valid access token: the cached one, or a fresh one when close to expiry."""
        cached = self._token
        if cached is not None and self._clock() < cached.refresh_at:
            return cached.value
        async with self._lock:
            # Another task may have refreshed while we waited for the lock.
            cached = self._token
            if cached is not None and self._clock() < cached.refresh_at:
                return cached.value
            self._token = await self._fetch()
            return self._token.value

    async def refresh(self, stale: str | None = None) -> str:
        """Force a new token, because a peer refused ``stale`` (401).

        When several calls are refused with the same token at once, only the first one
        fetches; the others get the token it obtained.
        """
        async with self._lock:
            cached = self._token
            if cached is not None and stale is not None and cached.value != stale:
                return cached.value
            self._token = await self._fetch()
            return self._token.value

    async def _fetch(self) -> _CachedToken:
        creds = self.credentials
        form = {
            "grant_type": "client_credentials",
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
        }
        if creds.scope:
            form["scope"] = creds.scope
        # The lifetime counts from when the IdP issued the token: take the clock before asking.
        started = self._clock()

        async def post() -> httpx.Response:
            return await self._client.post(creds.token_url, data=form)

        # Retrying a token request is harmless: it only issues another token.
        response = await _with_retries(
            post,
            peer=self.peer,
            what="POST token",
            attempts=self._attempts,
            backoff=self._backoff,
            backoff_max=self._backoff_max,
            sleep=self._sleep,
        )
        if response.status_code >= 400:
            raise peer_error_from_response(self.peer, response)
        try:
            body = response.json()
        except ValueError as exc:
            raise PeerError(
                self.peer, response.status_code, detail="token endpoint answered non-JSON"
            ) from exc
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise PeerError(
                self.peer, response.status_code, detail="token answer without access_token"
            )
        expires_in = body.get("expires_in")
        lifetime = (
            float(expires_in)
            if isinstance(expires_in, int | float) and not isinstance(expires_in, bool)
            else self.DEFAULT_EXPIRES_IN
        )
        margin = min(self.MARGIN_SECONDS, lifetime * self.MARGIN_FRACTION)
        logger.debug("obtained a token for %s, valid %.0fs", creds.client_id, lifetime)
        return _CachedToken(value=token, refresh_at=started + lifetime - margin)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


# --------------------------------------------------------------------------------------------
# Circuit breaker
# --------------------------------------------------------------------------------------------


class BreakerState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Per-peer circuit breaker.

    closed → open after ``failure_threshold`` consecutive failures (transport errors,
    timeouts, 5xx); open → half-open once ``reset_timeout`` seconds have passed, where one
    trial call is let through; the trial's success closes it, its failure re-opens it for
    another cool-down. Any success while closed resets the count.

    Not thread-safe and needs no lock: it is used from one event loop and never awaits.
    Each *attempt* (not each logical call) acquires the breaker, so one attempt is at most one
    timeout long — well under the cool-down — and an attempt started while closed cannot
    still be running when a half-open trial starts, with the default settings.
    """

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        clock: Clock = time.monotonic,
        name: str = "peer",
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if reset_timeout <= 0:
            raise ValueError("reset_timeout must be positive")
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self.name = name
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._clock() - self._opened_at >= self.reset_timeout:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    @property
    def failures(self) -> int:
        return self._failures

    def try_acquire(self) -> bool:
        """May a call go out now? In half-open, True for the single trial call only."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.HALF_OPEN and not self._trial_in_flight:
            self._trial_in_flight = True
            logger.info("circuit for %s half-open: sending a trial call", self.name)
            return True
        return False

    def retry_after(self) -> float | None:
        """Seconds until the next trial call may go out, when the breaker is open."""
        if self._opened_at is None:
            return None
        remaining = self._opened_at + self.reset_timeout - self._clock()
        return remaining if remaining > 0 else None

    def record_success(self) -> None:
        if self._opened_at is not None:
            logger.info("circuit for %s closed", self.name)
        self._failures = 0
        self._opened_at = None
        self._trial_in_flight = False

    def record_failure(self) -> None:
        self._trial_in_flight = False
        self._failures += 1
        if self._opened_at is not None:
            # The trial failed: the peer is still down, wait another full cool-down.
            self._opened_at = self._clock()
            logger.warning("circuit for %s re-opened: trial call failed", self.name)
        elif self._failures >= self.failure_threshold:
            self._opened_at = self._clock()
            logger.warning(
                "circuit for %s opened after %d consecutive failures", self.name, self._failures
            )

    def release(self) -> None:
        """The call ended without a verdict (cancelled, or a bug on our side)."""
        # Let another trial go out rather than staying half-open-and-busy forever.
        self._trial_in_flight = False


# --------------------------------------------------------------------------------------------
# Service client
# --------------------------------------------------------------------------------------------


class BearerAuth(httpx.Auth):
    """An `httpx` client's authentication from a :class:`TokenProvider`, for scripts that talk
    to the API through plain `httpx` (the demo loaders): each request carries a current token,
    and one refused with 401 (a token that expired in flight) is sent once more with a fresh
    one. A long run thus outlives its first token."""

    requires_request_body = True  # the body is sent again on a retry

    def __init__(self, tokens: TokenProvider) -> None:
        self.tokens = tokens

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.tokens.get_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {await self.tokens.refresh(token)}"
            yield request


class ServiceClient:
    """Client of one peer service (``tenants``, ``measure`` …), one per peer per process.

    ``request`` and the verb helpers return the decoded JSON body (``None`` when empty);
    ``request_raw`` returns the :class:`httpx.Response` (already read) for non-JSON bodies,
    ETags and the like. Both raise a :class:`PeerError` subclass on any answer ≥ 400 and on
    transport failures.

    ``retries`` is the number of *additional* attempts for retryable calls (so 3 → up to 4
    attempts); ``backoff`` is the base delay in seconds (0 in tests). ``http_timeout`` on a
    call overrides the client's httpx timeouts for that call (a slow report query).
    """

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        tokens: TokenProvider | None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retries: int = 3,
        breaker: CircuitBreaker | None = None,
        backoff: float = 0.2,
        backoff_max: float = 5.0,
        sleep: Sleep = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if retries < 0:
            raise ValueError("retries must be >= 0")
        self.name = name
        self.base_url = base_url
        self.breaker = breaker if breaker is not None else CircuitBreaker(name=name)
        self._tokens = tokens
        self._retries = retries
        self._backoff = backoff
        self._backoff_max = backoff_max
        self._sleep = sleep
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)

    # -- verbs --------------------------------------------------------------------------------

    async def get(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        http_timeout: httpx.Timeout | None = None,
    ) -> Any:
        return await self.request(
            "GET", path, params=params, headers=headers, http_timeout=http_timeout
        )

    async def post(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        http_timeout: httpx.Timeout | None = None,
    ) -> Any:
        return await self.request(
            "POST",
            path,
            params=params,
            json=json,
            headers=headers,
            idempotency_key=idempotency_key,
            http_timeout=http_timeout,
        )

    async def put(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        http_timeout: httpx.Timeout | None = None,
    ) -> Any:
        return await self.request(
            "PUT",
            path,
            params=params,
            json=json,
            headers=headers,
            idempotency_key=idempotency_key,
            http_timeout=http_timeout,
        )

    async def patch(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        http_timeout: httpx.Timeout | None = None,
    ) -> Any:
        return await self.request(
            "PATCH",
            path,
            params=params,
            json=json,
            headers=headers,
            idempotency_key=idempotency_key,
            http_timeout=http_timeout,
        )

    async def delete(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        http_timeout: httpx.Timeout | None = None,
    ) -> Any:
        return await self.request(
            "DELETE",
            path,
            params=params,
            headers=headers,
            idempotency_key=idempotency_key,
            http_timeout=http_timeout,
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        http_timeout: httpx.Timeout | None = None,
    ) -> Any:
        response = await self.request_raw(
            method,
            path,
            params=params,
            json=json,
            headers=headers,
            idempotency_key=idempotency_key,
            http_timeout=http_timeout,
        )
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            ctype = response.headers.get("Content-Type", "no content type")
            raise PeerError(
                self.name,
                response.status_code,
                detail=f"expected a JSON body, got {ctype}; use request_raw",
            ) from exc

    async def request_raw(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        http_timeout: httpx.Timeout | None = None,
    ) -> httpx.Response:
        method = method.upper()
        hdrs = httpx.Headers(headers)
        if idempotency_key is not None:
            hdrs[_IDEMPOTENCY_HEADER] = idempotency_key
        request_id = request_id_var.get()
        if request_id and _REQUEST_ID_HEADER not in hdrs:
            hdrs[_REQUEST_ID_HEADER] = request_id
        # traceparent (and baggage) of the current span, unless the caller set its own.
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        for key, value in carrier.items():
            hdrs.setdefault(key, value)

        # Retrying a POST/PATCH is only safe when the peer can recognise the repeat.
        retryable = method in IDEMPOTENT_METHODS or _IDEMPOTENCY_HEADER in hdrs
        # A caller that passes its own Authorization (the gateway's one hop) keeps it.
        tokens = self._tokens if "Authorization" not in hdrs else None
        token: str | None = None
        if tokens is not None:
            token = await tokens.get_token()
            hdrs["Authorization"] = f"Bearer {token}"

        response = await self._send(method, path, params, json, hdrs, retryable, http_timeout)
        if response.status_code == 401 and tokens is not None:
            # Our token may have been revoked or the IdP keys rotated: one new token, one more
            # try. A 401 means the peer did nothing, so this is safe for any method.
            token = await tokens.refresh(stale=token)
            hdrs["Authorization"] = f"Bearer {token}"
            response = await self._send(method, path, params, json, hdrs, retryable, http_timeout)
        if response.status_code >= 400:
            raise peer_error_from_response(self.name, response)
        return response

    async def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        headers: httpx.Headers,
        retryable: bool,
        http_timeout: httpx.Timeout | None,
    ) -> httpx.Response:
        breaker = self.breaker

        async def attempt() -> httpx.Response:
            if not breaker.try_acquire():
                # Fail fast: no network call while the peer is known to be down.
                raise PeerUnavailable(
                    self.name,
                    None,
                    {"title": "circuit open", "detail": f"{self.name} is failing; not called"},
                    retry_after=breaker.retry_after(),
                )
            try:
                response = await self._client.request(
                    method,
                    path,
                    params=params,
                    json=json,
                    headers=headers,
                    timeout=http_timeout if http_timeout is not None else httpx.USE_CLIENT_DEFAULT,
                )
            except _TRANSIENT_ERRORS:
                breaker.record_failure()
                raise
            except BaseException:
                breaker.release()
                raise
            if response.status_code >= 500:
                breaker.record_failure()
            else:
                # 4xx included: the peer is alive and answering, the fault is ours.
                breaker.record_success()
            return response

        return await _with_retries(
            attempt,
            peer=self.name,
            what=f"{method} {path}",  # the path only: query strings may carry identifiers
            attempts=self._retries + 1 if retryable else 1,
            backoff=self._backoff,
            backoff_max=self._backoff_max,
            sleep=self._sleep,
        )

    # -- health -------------------------------------------------------------------------------

    async def ready(self, *, http_timeout: float = 2.0) -> bool:
        """Is the peer up? ``GET /healthz`` without token, retries or breaker, for /readyz."""
        try:
            response = await self._client.get("/healthz", timeout=http_timeout)
        except httpx.HTTPError as exc:
            logger.info("peer %s not ready: %s", self.name, type(exc).__name__)
            return False
        if not response.is_success:
            logger.info("peer %s not ready: /healthz answered %d", self.name, response.status_code)
        return response.is_success

    # -- lifecycle ----------------------------------------------------------------------------

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class RetryAfterTransport(httpx.AsyncBaseTransport):
    """Resends a request answered 429 after the `Retry-After` it names (capped), a few times.

    For batch clients of the public API (demo loaders, scripts) that go through the gateway's
    per-client rate limit: a polite client waits as told instead of failing or hammering."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport | None = None,
        *,
        attempts: int = 20,
        max_wait: float = 10.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.attempts = attempts
        self.max_wait = max_wait
        self.sleep = sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for _ in range(self.attempts - 1):
            response = await self.inner.handle_async_request(request)
            if response.status_code != 429:
                return response
            wait = _parse_retry_after(response.headers.get("Retry-After")) or 1.0
            await response.aclose()
            await self.sleep(min(self.max_wait, max(wait, 0.1)))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
