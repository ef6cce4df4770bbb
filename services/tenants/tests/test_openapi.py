"""schemathesis over tenants' OpenAPI, with a gip-admin token."""

import pytest
import schemathesis

from gipkit.testing.schemathesis import api_schema_for
from tenants.main import create
from tenants.settings import Settings


@pytest.fixture(scope="session")
def api_schema(migrations_dir, tmp_path_factory, tokens, worker_id):
    from gipkit.testing.tokens import TEST_ISSUER

    return api_schema_for(
        build_app=lambda url: create(
            Settings(env="test", oidc_issuer=TEST_ISSUER, database_url=url)
        ),
        migrations_dir=migrations_dir,
        tmp_dir=tmp_path_factory.mktemp("schemathesis"),
        tokens=tokens,
        name=f"tenants_st_{worker_id}",
    )


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_api_conforms_to_its_openapi(case, tokens):
    case.call_and_validate(headers=tokens.headers(roles=["gip-admin"]))
