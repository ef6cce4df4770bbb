"""schemathesis over reports' OpenAPI, with a gip-admin token.

The peers and the IdP's token endpoint are one stand-in that knows nobody (no member, no
subscription, no hit): routes that ask peers get real answers, so the checks see reports' own
behaviour rather than an outage.

The token is given through schemathesis' auth provider rather than as extra headers of the
call: schemathesis then knows what was sent, and its negative cases that leave the token out
really go without one (and must get a 401), instead of being sent with it behind its back.
"""

import pytest
import schemathesis
from reports_support import StandIn, empty_platform, make_settings

from gipkit.testing.schemathesis import api_schema_for
from gipkit.testing.tokens import CLOSED_PEERS
from reports.main import create


@pytest.fixture(scope="session")
def peer_url():
    stand_in = StandIn(empty_platform).start()
    yield stand_in.url
    stand_in.stop()


_TOKENS = {}


@pytest.fixture(scope="session")
def api_schema(migrations_dir, tmp_path_factory, tokens, worker_id, peer_url):
    _TOKENS["factory"] = tokens
    return api_schema_for(
        build_app=lambda url: create(
            make_settings(
                idp_url=peer_url,
                **{p: peer_url for p in CLOSED_PEERS},
                database_url=url,
            )
        ),
        migrations_dir=migrations_dir,
        tmp_dir=tmp_path_factory.mktemp("schemathesis"),
        tokens=tokens,
        name=f"reports_st_{worker_id}",
    )


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.auth(refresh_interval=60)
class GipAdminToken:
    def get(self, case, context):
        return _TOKENS["factory"].mint(roles=["gip-admin"])

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
def test_api_conforms_to_its_openapi(case):
    case.call_and_validate()
