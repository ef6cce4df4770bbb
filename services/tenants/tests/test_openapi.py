"""schemathesis over tenants' OpenAPI, with a gip-admin token.

The token is given through schemathesis' auth hook rather than as a fixed header on every
call: schemathesis then leaves it out of the cases that test a missing `Authorization`
(which must get 401). A fixed header would put it back, and those cases, negative in
schemathesis' eyes but valid on the wire, would be reported as "invalid data accepted".

The custom string formats of the document (`fr-siren`, `fr-uai`, `cidr`) carry the checks a
regular expression cannot (check digits, network rules); conftest.py tells schemathesis how
to make values of each (tenants.testing), so that it generates data the document calls
valid, and the check that valid data is accepted means something.

A valid `Idempotency-Key` schemathesis generates is replaced by a fresh one: it generates the
same few keys ("0", "00" …) for many requests, and a key reused with another request is
rightly refused (422), which the document states but cannot express as "valid" per request.
Invalid keys are kept, so their refusal is still checked. (tests/test_idempotency.py checks
reuse itself.)
"""

import re
import uuid

import pytest
import schemathesis

from gipkit.idempotency import HEADER, KEY_PATTERN
from gipkit.testing.schemathesis import api_schema_for
from gipkit.testing.tokens import TokenFactory
from tenants.idp.memory import InMemoryIdentityProvider
from tenants.main import create
from tenants.settings import Settings

# The session's token factory, whose key the app under test trusts (set by `api_schema`).
_factory: dict[str, TokenFactory] = {}


@pytest.fixture(scope="session")
def api_schema(migrations_dir, tmp_path_factory, tokens, worker_id):
    from gipkit.testing.tokens import TEST_ISSUER

    _factory["tokens"] = tokens

    def build(url):
        app = create(
            Settings(
                env="test",
                oidc_issuer=TEST_ISSUER,
                database_url=url,
                idp_url="http://127.0.0.1:9",
            )
        )
        app.state.idp = InMemoryIdentityProvider()
        return app

    return api_schema_for(
        build_app=build,
        migrations_dir=migrations_dir,
        tmp_dir=tmp_path_factory.mktemp("schemathesis"),
        tokens=tokens,
        name=f"tenants_st_{worker_id}",
    )


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.auth(refresh_interval=60)  # well within the tokens' 300 s lifetime
class GipAdminToken:
    def get(self, case, context):
        return _factory["tokens"].mint(roles=["gip-admin"])

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


# One test item runs every operation (about 40): on a loaded two-core machine that nears the
# suite's 300 s per-test limit, which is meant for single tests. No check is relaxed.
@pytest.mark.timeout(1200)
@schema.parametrize()
def test_api_conforms_to_its_openapi(case):
    key = (case.headers or {}).get(HEADER)
    if isinstance(key, str) and re.fullmatch(KEY_PATTERN, key):
        case.headers = {**case.headers, HEADER: uuid.uuid4().hex}
    case.call_and_validate()
