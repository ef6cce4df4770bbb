from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI

from billing import peers
from billing.main import create
from billing.settings import Settings
from gipkit.testing.fixtures import *  # noqa: F403
from gipkit.testing.tokens import CLOSED_PEERS, TEST_ISSUER

# Nothing listens there: a test that reached for a real IdP by mistake fails fast.
CLOSED_IDP = "http://127.0.0.1:9"


def billing_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "oidc_issuer": TEST_ISSUER,
        "idp_url": CLOSED_IDP,
        **CLOSED_PEERS,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def migrations_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture
def service_app() -> Callable[[], FastAPI]:
    return lambda: create(billing_settings())


# --- peers: tenants and measure as billing.peers sees them -----------------------------------

DEMO_MEMBERS = [
    {
        "slug": "cdc",
        "name": "Caisse des Dépôts",
        "kind": "cdc",
        "college": "cdc",
        "siren": "180020026",
    },
    {
        "slug": "ministere",
        "name": "Ministère de l'Éducation nationale",
        "kind": "ministry",
        "college": "state",
        "siren": "110043015",
    },
    {
        "slug": "hauts-de-seine",
        "name": "Département des Hauts-de-Seine",
        "kind": "departement",
        "college": "collectivites",
        "siren": "229200506",
    },
    {
        "slug": "ile-de-france",
        "name": "Région Île-de-France",
        "kind": "region",
        "college": "collectivites",
        "siren": "237500079",
    },
]


@dataclass
class FakePeers:
    """Stands in for `billing.peers`' functions: what tenants and measure would answer."""

    members: list[dict] = field(default_factory=lambda: [dict(m) for m in DEMO_MEMBERS])
    pupils: dict[str, int] = field(
        default_factory=lambda: {"hauts-de-seine": 200_000, "ile-de-france": 100_000}
    )
    visits: dict[str, int] = field(
        default_factory=lambda: {"hauts-de-seine": 7_000_000, "ile-de-france": 3_000_000}
    )
    error: Exception | None = None
    calls: list[str] = field(default_factory=list)

    async def fetch_members(self, _clients, *, page_size=500):
        self.calls.append("members")
        if self.error:
            raise self.error
        return [peers.PeerMember.model_validate(m) for m in self.members]

    async def fetch_pupils(self, _clients, *, member, school_year):
        self.calls.append(f"pupils:{member}:{school_year}")
        return self.pupils.get(member, 0)

    async def fetch_visits(self, _clients, *, member, start, end):
        self.calls.append(f"visits:{member}")
        return peers.Visits(visits=self.visits.get(member, 0), method_version="v1")


@pytest.fixture
def fake_peers(monkeypatch) -> FakePeers:
    fake = FakePeers()
    monkeypatch.setattr(peers, "members", fake.fetch_members)
    monkeypatch.setattr(peers, "pupils", fake.fetch_pupils)
    monkeypatch.setattr(peers, "visits", fake.fetch_visits)
    return fake


# --- calling the API as someone -------------------------------------------------------------


class Api:
    """The test client plus tokens: `await api.post(path, json, as_=("member-admin", "x"))`."""

    def __init__(self, client, tokens) -> None:
        self.client = client
        self.tokens = tokens

    def headers(self, role: str = "gip-admin", organization: str | None = None) -> dict[str, str]:
        return self.tokens.headers(roles=[role], organization=organization)

    async def request(self, method: str, path: str, *, as_=("gip-admin", None), **kw):
        role, organization = as_
        headers = {**self.headers(role, organization), **kw.pop("headers", {})}
        return await self.client.request(method, path, headers=headers, **kw)

    async def get(self, path: str, **kw):
        return await self.request("GET", path, **kw)

    async def post(self, path: str, json=None, **kw):
        return await self.request("POST", path, json=json, **kw)

    async def patch(self, path: str, json=None, **kw):
        return await self.request("PATCH", path, json=json, **kw)

    async def put(self, path: str, json=None, **kw):
        return await self.request("PUT", path, json=json, **kw)

    async def delete(self, path: str, **kw):
        return await self.request("DELETE", path, **kw)

    async def ok(self, method: str, path: str, json=None, status: int = 200, **kw) -> dict:
        response = await self.request(method, path, json=json, **kw)
        assert response.status_code == status, response.text
        return response.json() if response.content else {}

    # --- the demo year, as most tests need it ---

    async def year(self, year: int = 2026) -> None:
        await self.ok("POST", "/api/v1/budget-years", {"year": year}, 201)

    async def prestation(self, year: int = 2026, **fields) -> dict:
        body = {
            "code": "base",
            "label": "Service de mesure d'audience",
            "kind": "base",
            "cost_cents": 32_700_000,
            "key": "students",
            **fields,
        }
        return await self.ok("POST", f"/api/v1/budget-years/{year}/prestations", body, 201)

    async def catalogue(self, year: int = 2026) -> None:
        await self.year(year)
        await self.prestation(year)
        await self.prestation(
            year,
            code="notes",
            label="Notes de synthèse",
            kind="option",
            cost_cents=1_200_000,
            key="visits",
            vat_rate_bp=2000,
        )
        await self.prestation(
            year,
            code="api",
            label="Accès API partenaires",
            kind="option",
            cost_cents=0,
            key="fixed_price",
            unit_price_cents=500_000,
            vat_rate_bp=2000,
        )

    async def subscribe(self, member: str, prestation: str, year: int = 2026, **kw) -> dict:
        body = {"member": member, "prestation": prestation, "year": year, **kw}
        return await self.ok("POST", "/api/v1/subscriptions", body, 201)

    async def run(self, year: int = 2026, **kw) -> dict:
        created = await self.ok("POST", "/api/v1/allocations", {"year": year, **kw}, 202)
        # The computation ran after the answer, inside the same ASGI call: it is done.
        return await self.ok("GET", f"/api/v1/allocations/{created['id']}")

    async def approved_run(self, year: int = 2026) -> dict:
        run = await self.run(year)
        assert run["status"] == "draft", run
        return await self.ok("POST", f"/api/v1/allocations/{run['id']}/approve")


@pytest.fixture
def api(client, tokens) -> Api:
    return Api(client, tokens)
