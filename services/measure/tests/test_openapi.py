"""schemathesis over measure's OpenAPI; tenants is the static test directory.

Tokens come through schemathesis' auth hook (so the cases without `Authorization` stay
without): ent-ingest of Hauts-de-Seine for hits, gip-admin otherwise.

A hit the document calls valid can still be refused for what a document cannot say: a site
id that is no project, a UAI not attached to it that day, a time outside the retention window,
an event id already stored with other content. So in generated batches, values that are valid
are replaced by valid values of the test directory (site, UAI, a recent time, a fresh event
id); invalid values are kept, so their refusal is still checked.
"""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from measure_support import COLLEGE, HDS_SITE, directory, measure_settings

from gipkit.testing.peers import healthy_peer
from gipkit.testing.schemathesis import api_schema_for
from gipkit.testing.tokens import TokenFactory
from measure.main import create

_factory: dict[str, TokenFactory] = {}


@pytest.fixture(scope="session")
def peer_url():
    # /readyz must find tenants up: a stand-in answers its /healthz.
    with healthy_peer() as url:
        yield url


@pytest.fixture(scope="session")
def api_schema(migrations_dir, tmp_path_factory, tokens, worker_id, peer_url):
    _factory["tokens"] = tokens

    def build(url: str):
        app = create(measure_settings(database_url=url, peer_tenants=peer_url))
        app.state.directory = directory()
        return app

    return api_schema_for(
        build_app=build,
        migrations_dir=migrations_dir,
        tmp_dir=tmp_path_factory.mktemp("schemathesis"),
        tokens=tokens,
        name=f"measure_st_{worker_id}",
    )


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.auth(refresh_interval=60)
class RoleToken:
    def get(self, case, context):
        if case.path == "/api/v1/hits":
            return _factory["tokens"].mint(roles=["ent-ingest"], organization="hauts-de-seine")
        return _factory["tokens"].mint(roles=["gip-admin"])

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _valid_time(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False


def _with_known_values(item):
    if not isinstance(item, dict):
        return item
    item = dict(item)
    recent = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    rules = {
        "site": (lambda v: isinstance(v, str) and re.fullmatch(r"[0-9]{6}", v), HDS_SITE),
        "uai": (lambda v: isinstance(v, str) and re.fullmatch(r"[0-9]{7}[A-Z]", v), COLLEGE),
        "ts": (_valid_time, recent),
        "event_id": (
            lambda v: isinstance(v, str) and re.fullmatch(r"[\x21-\x7e]{1,64}", v),
            uuid.uuid4().hex,
        ),
    }
    for name, (valid, replacement) in rules.items():
        if name in item and valid(item[name]):
            item[name] = replacement
    return item


@pytest.mark.timeout(600)
@schema.parametrize()
def test_api_conforms_to_its_openapi(case):
    if case.path == "/api/v1/hits" and isinstance(case.body, list):
        case.body = [_with_known_values(i) for i in case.body]
    case.call_and_validate()
