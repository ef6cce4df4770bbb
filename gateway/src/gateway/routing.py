"""The routing table: which service answers which public path, and whether it needs a token.

One table of data, matched on whole path segments: `/api/v1/members` and `/api/v1/members/42`
go to tenants, `/api/v1/membersX` goes nowhere. When prefixes nest, the longest one wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PEERS = ("tenants", "billing", "measure", "reports")


@dataclass(frozen=True)
class Route:
    """Requests whose path starts with `prefix` (segment by segment) go to `service`.
    `public` routes are forwarded without a token."""

    prefix: str
    service: str
    public: bool = False
    segments: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.service not in PEERS:
            raise ValueError(f"unknown service {self.service!r}")
        object.__setattr__(self, "segments", _segments(self.prefix))

    def matches(self, segments: tuple[str, ...]) -> bool:
        return segments[: len(self.segments)] == self.segments


def _segments(path: str) -> tuple[str, ...]:
    # Strict: "/api//v1/members" has an empty segment and matches nothing, so that the gateway
    # and the peer can never read the same path differently. A trailing "/" is an empty last
    # segment, which still starts with the prefix.
    return tuple(path.split("/")[1:]) if path.startswith("/") else ()


def _api(service: str, *resources: str, public: bool = False) -> list[Route]:
    return [Route(f"/api/v1/{r}", service, public) for r in resources]


ROUTES: tuple[Route, ...] = (
    *_api("tenants", "members", "establishments", "projects", "clients", "idp"),
    *_api(
        "billing",
        "budget-years",
        "prestations",
        "subscriptions",
        "entitlements",
        "allocations",
        "invoices",
        "credit-notes",
        "payments",
        "balances",
        "ledger.csv",
        "usage",
    ),
    *_api("measure", "hits", "indicators", "retention"),
    Route("/collect", "measure", public=True),
    *_api("reports", "notes", "partner"),
    *_api("reports", "open-data", public=True),
)

# Longest prefix first, so that a nested prefix could override its parent.
_BY_LENGTH = tuple(sorted(ROUTES, key=lambda r: len(r.segments), reverse=True))


def has_dot_segment(path: str) -> bool:
    """`.` and `..` segments would let a path escape its prefix once a peer normalises it."""
    return any(s in (".", "..") for s in path.split("/"))


def resolve(path: str) -> Route | None:
    """The route answering `path` (decoded, without query), or None."""
    if has_dot_segment(path):
        return None
    segments = _segments(path)
    for route in _BY_LENGTH:
        if route.matches(segments):
            return route
    return None
