import gc

import httpx
import pytest
from fastapi import APIRouter

from gipkit.app import create_app
from gipkit.auth import PrincipalDep
from gipkit.heap import YOUNG_THRESHOLD
from gipkit.settings import ServiceSettings
from gipkit.testing.database import fresh_database_url
from gipkit.testing.peers import healthy_peer

pytestmark = pytest.mark.anyio

router = APIRouter()


@router.get("/api/v1/whoami")
async def whoami(principal: PrincipalDep) -> dict:
    return {"roles": sorted(principal.roles)}


def build(tmp_path, tokens, **settings):
    url = fresh_database_url(name="gipkit_app", tmp_dir=tmp_path)
    s = ServiceSettings(env="test", database_url=str(url), **settings)
    app = create_app(name="demo", settings=s, routers=[router], peers=["tenants"])
    app.state.verifier = tokens.verifier()
    return app


async def call(app, method, path, **kw):
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return await c.request(method, path, **kw)


async def test_readyz_ok_when_database_and_peers_answer(tmp_path, tokens):
    with healthy_peer() as url:
        r = await call(build(tmp_path, tokens, peer_tenants=url), "GET", "/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "checks": {"database": "ok", "tenants": "ok"}}


async def test_readyz_503_names_the_missing_peer(tmp_path, tokens):
    r = await call(build(tmp_path, tokens, peer_tenants="http://127.0.0.1:9"), "GET", "/readyz")
    assert r.status_code == 503
    assert r.json()["checks"] == {"database": "ok", "tenants": "unavailable"}


async def test_routes_get_auth_and_declared_errors(tmp_path, tokens):
    app = build(tmp_path, tokens)
    assert (await call(app, "GET", "/api/v1/whoami")).status_code == 401
    ok = await call(app, "GET", "/api/v1/whoami", headers=tokens.headers(roles=["partner"]))
    assert ok.json() == {"roles": ["partner"]}
    op = app.openapi()["paths"]["/api/v1/whoami"]["get"]
    assert {"401", "403", "500"} <= set(op["responses"])
    assert app.openapi()["openapi"].startswith("3.1")


async def test_cors_from_settings(tmp_path, tokens):
    app = build(tmp_path, tokens, cors_origins=["https://console.gip.fr"])
    r = await call(
        app,
        "OPTIONS",
        "/api/v1/whoami",
        headers={"Origin": "https://console.gip.fr", "Access-Control-Request-Method": "GET"},
    )
    assert r.headers["access-control-allow-origin"] == "https://console.gip.fr"


@pytest.fixture
def restored_collector():
    """Whatever a test does to the garbage collector is undone after it."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.parametrize(("gc_freeze", "settles"), [(None, False), (True, True), (False, False)])
async def test_a_started_service_settles_its_heap_but_not_in_tests(
    tmp_path, tokens, restored_collector, gc_freeze, settles
):
    """Outside tests (env test, where apps come and go in one process) a service freezes its
    startup heap out of the collector's sight and collects its youngest generation less often."""
    gc.unfreeze()
    app = build(tmp_path, tokens, gc_freeze=gc_freeze)
    async with app.router.lifespan_context(app):
        frozen, young = gc.get_freeze_count(), gc.get_threshold()[0]
    assert (frozen > 10_000, young == YOUNG_THRESHOLD) == (settles, settles)


def test_settings_settle_the_heap_outside_tests_unless_told():
    assert ServiceSettings(env="dev").settles_heap
    assert not ServiceSettings(env="test").settles_heap
    assert not ServiceSettings(env="dev", gc_freeze=False).settles_heap
