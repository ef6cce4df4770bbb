"""Test doubles of reports' peers.

* `FakePeers` replaces the functions of `reports.peers` (the one module that calls peers):
  a small world of two members, their projects and establishments, entitlements, and
  deterministic indicator answers shaped like the report's figures.
* `StandIn` is a real HTTP server (a thread) for tests that go through gipkit's
  `ServiceClient`: an IdP token endpoint, and routes given per test; it can be stopped and
  started again on the same port, keeping what it recorded.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from gipkit.http import PeerUnavailable
from gipkit.testing.tokens import CLOSED_PEERS, TEST_ISSUER
from reports import peers
from reports.peers import Entitlement, Establishment, IndicatorGroup, Indicators, Member, Metrics
from reports.peers import Project as PeerProject
from reports.settings import Settings

CUTOFF = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)

PROFILE_FIGURES = {  # key: (visits, unique visitors, page views); "4" is secret (2 visitors)
    "1": (700, 180, 3100),
    "2": (250, 60, 1200),
    "3": (242, 58, 1000),
    "4": (8, 2, 100),
}
DEVICE_FIGURES = {"desktop": (900, 220, 4000), "mobile": (250, 70, 1100), "tablet": (50, 10, 300)}
OS_FIGURES = {
    "windows": (700, 170, 3000),
    "android": (200, 50, 900),
    "ios": (100, 30, 500),
    "macos": (198, 48, 990),
    "linux": (2, 1, 10),  # secret
}
INSIDE_FIGURES = {"inside": (500, 150, 2000), "outside": (700, 200, 3400)}
SERVICE_FIGURES = {  # key: (visits, visitors, page views, previous visits)
    "0": (1100, 290, 2500, 900),
    "3": (600, 200, 1200, 450),
    "9": (500, 180, 900, 520),
    "10": (300, 100, 500, 0),
    "4": (200, 90, 300, 210),
    "19": (4, 1, 4, 1),  # secret
}
HOUR_PEAK = 19


def _groups(figures: dict[str, tuple[int, ...]], scale: int) -> tuple[IndicatorGroup, ...]:
    return tuple(
        IndicatorGroup(
            key=k, visits=v[0] * scale, unique_visitors=v[1] * scale, page_views=v[2] * scale
        )
        if v[1] >= 3
        else IndicatorGroup(key=k, visits=v[0], unique_visitors=v[1], page_views=v[2])
        for k, v in figures.items()
    )


def _months(start: date, end: date, scale: int, factor: float = 1.0) -> tuple[IndicatorGroup, ...]:
    out, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        # Slow start in September, real use from October, a dip in summer.
        level = int({9: 40, 7: 15, 8: 5}.get(month, 100) * factor)
        out.append(
            IndicatorGroup(
                key=f"{year:04d}-{month:02d}",
                visits=level * scale,
                unique_visitors=level * scale // 4,
                page_views=level * scale * 4,
            )
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(out)


def _hours(scale: int) -> tuple[IndicatorGroup, ...]:
    out = []
    for h in range(24):
        if h == 3:
            out.append(IndicatorGroup(key="03", visits=2, unique_visitors=1, page_views=5))
            continue
        level = 1 if h < 6 else 10 + 8 * (h >= 17) + 6 * (h == HOUR_PEAK)
        out.append(
            IndicatorGroup(
                key=f"{h:02d}",
                visits=level * scale,
                unique_visitors=level * scale // 3,
                page_views=level * scale * 4,
            )
        )
    return tuple(out)


def sample_indicators(
    *,
    scope: str,
    date_from: date,
    date_to: date,
    group_by: str | None = None,
    compare: bool = False,
    scale: int = 1,
    method_version: str = "v1",
    cutoff: datetime = CUTOFF,
) -> Indicators:
    """A deterministic answer: the same arguments give the same figures."""
    totals = Metrics(visits=1200 * scale, unique_visitors=300 * scale, page_views=5400 * scale)
    previous_totals = Metrics(
        visits=1000 * scale, unique_visitors=250 * scale, page_views=4000 * scale
    )
    groups: tuple[IndicatorGroup, ...] = ()
    previous_groups: tuple[IndicatorGroup, ...] | None = None
    if group_by == "profile":
        groups = _groups(PROFILE_FIGURES, scale)
    elif group_by == "device":
        groups = _groups(DEVICE_FIGURES, scale)
    elif group_by == "os":
        groups = _groups(OS_FIGURES, scale)
    elif group_by == "inside":
        groups = _groups(INSIDE_FIGURES, scale)
    elif group_by == "hour":
        groups = _hours(scale)
    elif group_by == "month":
        groups = _months(date_from, date_to, scale)
        previous_groups = _months(date_from, date_to, scale, factor=0.8)
    elif group_by == "service":
        groups = _groups({k: v[:3] for k, v in SERVICE_FIGURES.items()}, scale)
        previous_groups = tuple(
            IndicatorGroup(key=k, visits=v[3], unique_visitors=max(v[3] // 3, 1), page_views=v[3])
            for k, v in SERVICE_FIGURES.items()
            if v[3]
        )
    return Indicators(
        scope=scope,
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
        method_version=method_version,
        data_cutoff=cutoff,
        unique_visitors_method="sum_of_project_uniques"
        if scope.startswith(("member:", "national"))
        else "exact",
        totals=totals,
        groups=groups,
        previous_totals=previous_totals if compare else None,
        previous_groups=previous_groups if compare else None,
    )


def make_settings(**overrides: Any) -> Settings:
    """Test settings: no background delivery and no entitlement cache, so that tests decide
    when usage is sent and see every entitlement change at once; peers on a closed port."""
    values: dict[str, Any] = {
        "env": "test",
        "oidc_issuer": TEST_ISSUER,
        "usage_delivery_enabled": False,
        "entitlement_cache_seconds": 0,
        **CLOSED_PEERS,
    }
    values.update(overrides)
    return Settings(**values)


# --- the fake world -------------------------------------------------------------------------

MEMBERS = {"hauts-de-seine": "Hauts-de-Seine", "ile-de-france": "Île-de-France"}
PROJECTS = {
    "ent92": PeerProject(
        slug="ent92", name="ENT des Hauts-de-Seine", site_id="100092", members=("hauts-de-seine",)
    ),
    "monlycee": PeerProject(
        slug="monlycee", name="monlycée.net", site_id="100075", members=("ile-de-france",)
    ),
}
ESTABLISHMENTS = {
    "ent92": [
        Establishment(
            uai="0920001A", name="Collège Les Bruyères", commune="Courbevoie", academie="Versailles"
        ),
        Establishment(
            uai="0920002B", name="Collège Paul Éluard", commune="Nanterre", academie="Versailles"
        ),
    ],
    "monlycee": [
        Establishment(uai="0750001C", name="Lycée Henri-IV", commune="Paris", academie="Paris"),
    ],
}


@dataclass
class FakePeers:
    """The peers of reports as plain Python: what each call answers, and what was asked."""

    entitled: set[str] = field(default_factory=lambda: {"hauts-de-seine"})
    down: set[str] = field(default_factory=set)
    indicator_calls: list[dict[str, Any]] = field(default_factory=list)
    entitlement_calls: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, dict[str, Any]] = field(default_factory=dict)
    indicators_override: Callable[..., Indicators] | None = None
    subscriptions_list: list[peers.Subscription] = field(
        default_factory=lambda: [peers.Subscription(member="hauts-de-seine", project=None)]
    )

    def _check(self, peer: str) -> None:
        if peer in self.down:
            raise PeerUnavailable(peer, None, {"title": "unreachable", "detail": "down (test)"})

    async def indicators(self, _clients: Any, **kw: Any) -> Indicators:
        self._check("measure")
        self.indicator_calls.append(kw)
        make = self.indicators_override or sample_indicators
        return make(**kw)

    async def entitlement(
        self, _clients: Any, *, member: str, project: str | None, prestation: str, on: date
    ) -> Entitlement:
        self._check("billing")
        self.entitlement_calls.append(
            {"member": member, "project": project, "prestation": prestation, "on": on}
        )
        return Entitlement(entitled=member in self.entitled, prestation=prestation)

    async def record_usage(self, _clients: Any, *, idempotency_key: str, **body: Any) -> None:
        self._check("billing")
        self.usage.setdefault(idempotency_key, body)

    async def subscriptions(
        self, _clients: Any, *, prestation: str, year: int
    ) -> list[peers.Subscription]:
        self._check("billing")
        return list(self.subscriptions_list)

    async def member(self, _clients: Any, slug: str) -> Member | None:
        self._check("tenants")
        return Member(slug=slug, name=MEMBERS[slug]) if slug in MEMBERS else None

    async def project(self, _clients: Any, slug: str) -> PeerProject | None:
        self._check("tenants")
        return PROJECTS.get(slug)

    async def projects(self, _clients: Any, *, member: str | None = None) -> list[PeerProject]:
        self._check("tenants")
        return [p for p in PROJECTS.values() if member is None or member in p.members]

    async def project_establishments(
        self, _clients: Any, *, project: str, on: date
    ) -> list[Establishment]:
        self._check("tenants")
        return list(ESTABLISHMENTS.get(project, []))

    async def establishments(self, _clients: Any) -> list[Establishment]:
        self._check("tenants")
        return [e for items in ESTABLISHMENTS.values() for e in items]

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakePeers:
        for name in (
            "indicators",
            "entitlement",
            "record_usage",
            "subscriptions",
            "member",
            "project",
            "projects",
            "project_establishments",
            "establishments",
        ):
            monkeypatch.setattr(peers, name, getattr(self, name))
        return self


# --- a real HTTP stand-in -------------------------------------------------------------------

TOKEN_PATH = "/realms/gip/protocol/openid-connect/token"
Handler = Callable[[str, str, dict[str, str], Any], tuple[int, Any]]


class StandIn:
    """An HTTP server answering the IdP's token endpoint, /healthz, and `handler` for the
    rest: handler(method, path_with_query, headers, json_body) → (status, json)."""

    def __init__(self, handler: Handler | None = None, port: int = 0) -> None:
        self.handler = handler or (lambda *_: (404, {"title": "Not Found", "status": 404}))
        self.port = port
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> StandIn:
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if self.path == "/healthz":
                    status, body = 200, {"status": "ok"}
                elif self.path.startswith(TOKEN_PATH):
                    status, body = 200, {"access_token": "stand-in-token", "expires_in": 300}
                else:
                    try:
                        parsed = json.loads(raw) if raw else None
                    except ValueError:
                        parsed = None
                    status, body = outer.handler(
                        self.command, self.path, dict(self.headers), parsed
                    )
                data = json.dumps(body).encode()
                self.send_response(status)
                content_type = "application/problem+json" if status >= 400 else "application/json"
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@dataclass
class BillingLedger:
    """billing's usage endpoint as a stand-in: one record per Idempotency-Key."""

    recorded: dict[str, Any] = field(default_factory=dict)
    posts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(
        self, method: str, path: str, headers: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        if method == "POST" and path == "/api/v1/usage":
            key = headers.get("Idempotency-Key")
            with self.lock:
                self.posts += 1
                if key in self.recorded:
                    return 201, {"id": list(self.recorded).index(key) + 1, "replayed": True}
                self.recorded[key] = body
                return 201, {"id": len(self.recorded)}
        return 404, {"title": "Not Found", "status": 404}


def empty_platform(method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
    """Peers that know nobody: no member, no project, no establishment, no subscription, no
    hit; measure answers zeros. Routes then show their own behaviour, not a peer outage."""
    route = path.split("?", 1)[0]
    if route == "/api/v1/indicators":
        return 200, {
            "method_version": "v1",
            "data_cutoff": "2026-04-01T02:00:00Z",
            "unique_visitors_method": "sum_of_project_uniques",
            "totals": {"visits": 0, "unique_visitors": 0, "page_views": 0},
            "groups": [],
            "previous": {
                "totals": {"visits": 0, "unique_visitors": 0, "page_views": 0},
                "groups": [],
            },
        }
    if route == "/api/v1/entitlements":
        return 200, {"entitled": False, "prestation": "notes-synthese"}
    if route in ("/api/v1/projects", "/api/v1/establishments", "/api/v1/subscriptions"):
        return 200, {"items": [], "next_cursor": None}
    if method == "POST" and route == "/api/v1/usage":
        return 201, {"id": 1}
    return 404, {"title": "Not Found", "status": 404, "detail": f"{route} (stand-in)"}
