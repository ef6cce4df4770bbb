"""The merged OpenAPI document and /docs."""

import copy

import pytest
import schemathesis

from gateway.openapi import SpecCache, merge_specs, plan_renames, rewrite_refs

pytestmark = pytest.mark.anyio


async def test_merged_document_holds_every_routed_path(client):
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.1")
    assert spec["info"]["title"] == "gip-mesure API"
    assert spec["info"]["x-unavailable"] == []
    paths = spec["paths"]
    for path, service in [
        ("/api/v1/members", "tenants"),
        ("/api/v1/members/{slug}", "tenants"),
        ("/api/v1/invoices", "billing"),
        ("/api/v1/indicators", "measure"),
        ("/api/v1/open-data/weekly.csv", "reports"),
    ]:
        assert paths[path]["get"]["x-service"] == service
    # The gateway's own paths; not the services' own operations routes, nor what it does not route.
    assert "/healthz" in paths and "/readyz" in paths
    assert paths["/healthz"]["get"].get("x-service") is None
    assert "/api/v1/internal-stats" not in paths
    assert "/openapi.json" not in paths


async def test_components_are_shared_or_renamed_with_their_refs(client):
    spec = (await client.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    # Identical everywhere: one copy.
    assert "Problem" in schemas and not any(k.endswith("_Problem") for k in schemas)
    assert "FieldError" in schemas and not any(k.endswith("_FieldError") for k in schemas)
    # Two different "Member": tenants' keeps the name, billing's is prefixed.
    assert set(schemas["Member"]["properties"]) == {"slug", "name"}
    assert set(schemas["billing_Member"]["properties"]) == {"slug", "balance_cents"}
    assert schemas["Invoice"]["properties"]["member"] == {
        "$ref": "#/components/schemas/billing_Member"
    }
    members = spec["paths"]["/api/v1/members"]["get"]["responses"]["200"]
    assert members["content"]["application/json"]["schema"]["items"] == {
        "$ref": "#/components/schemas/Member"
    }
    # Every $ref resolves.
    for ref in _refs(spec):
        section, name = ref.removeprefix("#/components/").split("/")
        assert name in spec["components"][section], ref


async def test_operation_ids_stay_unique(client):
    spec = (await client.get("/openapi.json")).json()
    ids = [
        op["operationId"]
        for item in spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    ]
    assert len(ids) == len(set(ids))
    assert spec["paths"]["/api/v1/invoices"]["get"]["operationId"].startswith("billing_")


async def test_a_peer_that_is_down_is_listed_and_skipped(gateway, helpers):
    async with gateway(peer_reports=helpers.closed_port_url()) as app:
        async with helpers.asgi_client(app) as client:
            response = await client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["x-unavailable"] == ["reports"]
    assert "/api/v1/members" in spec["paths"] and "/api/v1/invoices" in spec["paths"]
    assert "/api/v1/open-data/weekly.csv" not in spec["paths"]


async def test_a_peer_without_a_document_is_listed_too(gateway, helpers):
    with helpers.echo_peer("measure", spec=None) as bare:
        async with gateway(peer_measure=bare.url) as app, helpers.asgi_client(app) as client:
            spec = (await client.get("/openapi.json")).json()
    assert spec["info"]["x-unavailable"] == ["measure"]
    assert "/api/v1/indicators" not in spec["paths"]


async def test_documents_are_cached_then_fetched_again(clock):
    calls = []

    class Client:
        async def get(self, url, **kwargs):
            calls.append(url)
            import httpx

            return httpx.Response(200, json={"openapi": "3.1.0", "paths": {}})

    cache = SpecCache({"tenants": "http://t"}, ttl=60, clock=clock)
    await cache.get(Client(), "tenants")
    await cache.get(Client(), "tenants")
    assert calls == ["http://t/openapi.json"]
    clock.advance(61)
    await cache.get(Client(), "tenants")
    assert len(calls) == 2


async def test_failures_are_retried_sooner(clock):
    import httpx

    calls = []

    class Down:
        async def get(self, url, **kwargs):
            calls.append(url)
            raise httpx.ConnectError("refused")

    cache = SpecCache({"billing": "http://b"}, ttl=60, clock=clock)
    assert await cache.get(Down(), "billing") is None
    assert await cache.get(Down(), "billing") is None
    assert len(calls) == 1
    clock.advance(6)
    await cache.get(Down(), "billing")
    assert len(calls) == 2


def test_renaming_cascades_to_components_that_refer_to_a_renamed_one():
    merged = {
        "schemas": {
            "Address": {"type": "object", "properties": {"city": {"type": "string"}}},
            "Member": {"properties": {"address": {"$ref": "#/components/schemas/Address"}}},
        }
    }
    incoming = {
        "components": {
            "schemas": {
                "Address": {"type": "string"},  # differs
                "Member": {"properties": {"address": {"$ref": "#/components/schemas/Address"}}},
            }
        }
    }
    renames = plan_renames(merged, incoming, "billing")
    # Same text, but after renaming Address it refers to another schema: renamed too.
    assert renames == {
        ("schemas", "Address"): "billing_Address",
        ("schemas", "Member"): "billing_Member",
    }


def test_security_schemes_discriminators_and_taken_names():
    own = {
        "openapi": "3.1.0",
        "info": {"title": "x", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {"Pet": {"type": "object"}, "billing_Pet": {"type": "null"}},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
    billing = {
        "paths": {
            "/api/v1/invoices": {
                "get": {
                    "security": [{"bearer": []}],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "oneOf": [{"$ref": "#/components/schemas/Pet"}],
                                        "discriminator": {
                                            "propertyName": "k",
                                            "mapping": {"pet": "#/components/schemas/Pet"},
                                        },
                                    }
                                }
                            },
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {"Pet": {"type": "string"}},
            "securitySchemes": {"bearer": {"type": "oauth2", "flows": {}}},
        },
    }
    before = copy.deepcopy(billing)
    merged = merge_specs(own, {"billing": billing}, title="t")
    assert billing == before  # inputs are not modified
    schemas = merged["components"]["schemas"]
    assert schemas["billing_Pet_2"] == {"type": "string"}  # billing_Pet was taken
    op = merged["paths"]["/api/v1/invoices"]["get"]
    assert op["security"] == [{"billing_bearer": []}]
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["oneOf"] == [{"$ref": "#/components/schemas/billing_Pet_2"}]
    assert schema["discriminator"]["mapping"] == {"pet": "#/components/schemas/billing_Pet_2"}
    assert merged["components"]["securitySchemes"]["billing_bearer"]["type"] == "oauth2"


def test_rewrite_leaves_foreign_and_external_refs_alone():
    node = {"a": {"$ref": "other.json#/x"}, "b": [{"$ref": "#/components/schemas/Keep"}]}
    assert rewrite_refs(node, {("schemas", "Gone"): "x_Gone"}) == node


async def test_docs_is_swagger_ui_on_the_merged_document(client):
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "swagger-ui" in response.text.lower()
    assert "/openapi.json" in response.text


def _refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


async def test_the_merged_document_is_a_loadable_openapi(client):
    spec = (await client.get("/openapi.json")).json()
    loaded = schemathesis.openapi.from_dict(spec)
    labels = set()
    for result in loaded.get_all_operations():
        operation = result.ok()  # raises if an operation cannot be resolved
        operation.as_strategy()
        labels.add(operation.label)
    assert {"GET /api/v1/members/{slug}", "GET /api/v1/invoices", "GET /readyz"} <= labels


async def test_a_peer_that_comes_back_is_merged_again(gateway, helpers, peers, clock):
    def fake_clock(app):
        app.state.openapi_cache.clock = clock

    async with gateway(setup=fake_clock, peer_reports=helpers.closed_port_url()) as app:
        async with helpers.asgi_client(app) as client:
            first = (await client.get("/openapi.json")).json()
            assert first["info"]["x-unavailable"] == ["reports"]
            app.state.openapi_cache.peer_urls["reports"] = peers["reports"].url  # back up
            cached = (await client.get("/openapi.json")).json()
            assert cached["info"]["x-unavailable"] == ["reports"]  # not asked again yet
            clock.advance(6)
            second = (await client.get("/openapi.json")).json()
    assert second["info"]["x-unavailable"] == []
    assert "/api/v1/open-data/weekly.csv" in second["paths"]
