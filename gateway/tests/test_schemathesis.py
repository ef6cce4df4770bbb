"""schemathesis over the gateway's own OpenAPI (the peers answer /healthz and nothing else,
so the merged document is the gateway's paths, with every service listed as unavailable)."""

import contextlib

import pytest
import schemathesis

from gateway.main import create
from gateway.settings import Settings
from gipkit.testing.peers import healthy_peer
from gipkit.testing.schemathesis import api_schema_for
from gipkit.testing.tokens import TEST_ISSUER


@pytest.fixture(scope="session")
def api_schema(tmp_path_factory, tokens):
    with contextlib.ExitStack() as stack:
        urls = {
            f"peer_{name}": stack.enter_context(healthy_peer())
            for name in ("tenants", "billing", "measure", "reports")
        }
        yield api_schema_for(
            build_app=lambda _url: create(Settings(env="test", oidc_issuer=TEST_ISSUER, **urls)),
            migrations_dir=None,
            tmp_dir=tmp_path_factory.mktemp("schemathesis"),
            tokens=tokens,
            name="gateway",
        )


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_api_conforms_to_its_openapi(case, tokens):
    case.call_and_validate(headers=tokens.headers(roles=["gip-admin"]))
