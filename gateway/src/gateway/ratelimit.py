"""Per-client token buckets, in memory.

A bucket holds up to `burst` tokens and refills at `per_minute / 60` tokens a second; each
request takes one. The key is the authenticated client or, for anonymous callers, the address
that connected to us. Buckets live in one process: with several gateway replicas each one
enforces the limit on its share of the traffic.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from gipkit.auth import Principal


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # Whole seconds until one token is available again (≥ 1) when refused, else 0.
    retry_after: int
    remaining: int


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    def __init__(
        self,
        *,
        per_minute: float,
        burst: int,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = per_minute / 60.0  # tokens per second
        self.burst = float(burst)
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def acquire(self, key: str, cost: float = 1.0) -> Decision:
        if not self.enabled:
            return Decision(True, 0, int(self.burst))
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(tokens=self.burst, updated=now)
            self._buckets[key] = bucket
            # A bucket forgotten here was the least recently used one; at worst that client
            # gets a fresh burst.
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.rate)
            bucket.updated = now
        if bucket.tokens >= cost:
            bucket.tokens -= cost
            return Decision(True, 0, int(bucket.tokens))
        wait = (cost - bucket.tokens) / self.rate
        return Decision(False, max(1, math.ceil(wait)), 0)

    def __len__(self) -> int:
        return len(self._buckets)


def client_key(principal: Principal | None, address: str | None) -> str:
    """The bucket of a request: its verified client (and subject), else its network address.

    `azp` alone would put every user of a public client (the console) in one bucket, so the
    subject is part of the key; a client-credentials client has one subject, so for machine
    clients this is exactly one bucket per client."""
    if principal is not None and principal.client_id:
        return f"client:{principal.client_id}:{principal.subject}"
    if principal is not None:
        return f"subject:{principal.subject}"
    return f"ip:{address or 'unknown'}"
