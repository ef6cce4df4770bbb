"""The routing table: every prefix to its service, segment matching, public vs protected."""

import pytest

from gateway.routing import PEERS, ROUTES, Route, resolve

EXPECTED = {
    "/api/v1/members": ("tenants", False),
    "/api/v1/establishments": ("tenants", False),
    "/api/v1/projects": ("tenants", False),
    "/api/v1/clients": ("tenants", False),
    "/api/v1/idp": ("tenants", False),
    "/api/v1/budget-years": ("billing", False),
    "/api/v1/entitlements": ("billing", False),
    "/api/v1/credit-notes": ("billing", False),
    "/api/v1/balances": ("billing", False),
    "/api/v1/ledger.csv": ("billing", False),
    "/api/v1/prestations": ("billing", False),
    "/api/v1/subscriptions": ("billing", False),
    "/api/v1/allocations": ("billing", False),
    "/api/v1/invoices": ("billing", False),
    "/api/v1/payments": ("billing", False),
    "/api/v1/usage": ("billing", False),
    "/api/v1/hits": ("measure", False),
    "/api/v1/indicators": ("measure", False),
    "/api/v1/retention": ("measure", False),
    "/collect": ("measure", True),
    "/api/v1/notes": ("reports", False),
    "/api/v1/partner": ("reports", False),
    "/api/v1/open-data": ("reports", True),
}


def test_the_table_is_exactly_the_design():
    assert {r.prefix: (r.service, r.public) for r in ROUTES} == EXPECTED
    assert {r.service for r in ROUTES} == set(PEERS)


@pytest.mark.parametrize(("prefix", "expected"), sorted(EXPECTED.items()))
def test_every_prefix_and_what_is_below_it_goes_to_its_service(prefix, expected):
    for path in (prefix, f"{prefix}/", f"{prefix}/some-id", f"{prefix}/some-id/sub/resource"):
        route = resolve(path)
        assert route is not None, path
        assert (route.service, route.public) == expected, path


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/membersX",
        "/api/v1/member",
        "/api/v1/open-datasets",
        "/collector",
        "/collectX/1",
        "/api/v1",
        "/api/v1/",
        "/api/v2/members",
        "/API/v1/members",
        "/api//v1/members",
        "/api/v1//members",
        "/console",
        "/console/api/v1/members",
        "/",
        "",
        "api/v1/members",
        "/api/v1/members/../../../healthz",
        "/api/v1/open-data/../notes",
        "/api/v1/members/./x",
    ],
)
def test_near_misses_and_escapes_match_nothing(path):
    assert resolve(path) is None


def test_only_open_data_and_collect_are_public():
    public = {r.prefix for r in ROUTES if r.public}
    assert public == {"/api/v1/open-data", "/collect"}
    assert resolve("/api/v1/open-data/2025-2026/weekly.csv").public
    assert not resolve("/api/v1/notes/42").public


def test_a_route_names_a_known_service():
    with pytest.raises(ValueError, match="unknown service"):
        Route("/api/v1/things", "nowhere")
