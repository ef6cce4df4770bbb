from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from gipkit.testing.fixtures import *  # noqa: F403
from gipkit.testing.tokens import TEST_ISSUER
from tenants.idp.memory import InMemoryIdentityProvider
from tenants.main import create
from tenants.settings import Settings
from tenants.testing import register_formats

# Nothing listens there: a test that reached for a real IdP by mistake fails fast instead of
# provisioning a developer's running dev IdP.
CLOSED_IDP = "http://127.0.0.1:9"


def test_settings(**overrides: object) -> Settings:
    return Settings(env="test", oidc_issuer=TEST_ISSUER, idp_url=CLOSED_IDP, **overrides)


@pytest.fixture(scope="session")
def migrations_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture
def idp() -> InMemoryIdentityProvider:
    return InMemoryIdentityProvider()


@pytest.fixture
def service_app(idp: InMemoryIdentityProvider) -> Callable[[], FastAPI]:
    def build() -> FastAPI:
        app = create(test_settings())
        app.state.idp = idp
        return app

    return build


# The OpenAPI document's custom formats, for schemathesis (see tenants.testing).
register_formats()


# --- calling the API as someone -------------------------------------------------------------


class Api:
    """The test client plus tokens: `await api.post(path, json, as_=("member-admin", "x"))`."""

    def __init__(self, client, tokens) -> None:
        self.client = client
        self.tokens = tokens
        self._headers: dict[tuple[str, str | None], dict[str, str]] = {}

    def headers(self, role: str = "gip-admin", organization: str | None = None) -> dict[str, str]:
        # One token per caller and test: RSA signing is the slowest part of a test call.
        key = (role, organization)
        if key not in self._headers:
            self._headers[key] = self.tokens.headers(roles=[role], organization=organization)
        return self._headers[key]

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

    async def created(self, path: str, json) -> dict:
        response = await self.post(path, json)
        assert response.status_code == 201, response.text
        return response.json()

    async def member(self, slug: str, **fields) -> dict:
        body = {"slug": slug, "name": f"Member {slug}", "kind": "departement", **fields}
        return await self.created("/api/v1/members", body)

    async def establishment(self, code: str, **fields) -> dict:
        body = {
            "uai": code,
            "name": f"Collège {code}",
            "type": "college",
            "commune": "Nanterre",
            "academie": "Versailles",
            **fields,
        }
        return await self.created("/api/v1/establishments", body)

    async def project(self, slug: str, site_id: str, responsible: str, **fields) -> dict:
        body = {
            "slug": slug,
            "name": f"ENT {slug}",
            "vendor": "Kosmos",
            "site_id": site_id,
            "responsible": responsible,
            **fields,
        }
        return await self.created("/api/v1/projects", body)

    async def attach(self, project: str, code: str, valid_from: str) -> dict:
        return await self.created(
            f"/api/v1/projects/{project}/memberships", {"uai": code, "valid_from": valid_from}
        )

    async def csv(self, text: str, **params):
        return await self.post(
            "/api/v1/establishments/import",
            None,
            content=text.encode(),
            headers={"Content-Type": "text/csv"},
            params=params,
        )


@pytest.fixture
def api(client, tokens) -> Api:
    return Api(client, tokens)


def uai(digits: str) -> str:
    """A valid UAI from its 7 digits."""
    from gipkit.uai import uai_check_letter

    return digits + uai_check_letter(digits)


@pytest.fixture
def make_uai():
    return uai
