"""The proxy against real peers: what goes out, what comes back, and what fails how."""

import gzip
import json
import re

import pytest

pytestmark = pytest.mark.anyio

HOP = {"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"}


def values(echo, name):
    return [v for k, v in echo["headers"] if k == name.lower()]


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/v1/members/hauts-de-seine", "tenants"),
        ("/api/v1/establishments", "tenants"),
        ("/api/v1/projects/ent-92", "tenants"),
        ("/api/v1/clients", "tenants"),
        ("/api/v1/prestations", "billing"),
        ("/api/v1/subscriptions/3", "billing"),
        ("/api/v1/allocations", "billing"),
        ("/api/v1/invoices/GIP-2026-000001", "billing"),
        ("/api/v1/payments", "billing"),
        ("/api/v1/usage", "billing"),
        ("/api/v1/hits", "measure"),
        ("/api/v1/indicators", "measure"),
        ("/collect", "measure"),
        ("/api/v1/notes/7", "reports"),
        ("/api/v1/open-data/weekly.csv", "reports"),
    ],
)
async def test_each_route_reaches_its_peer(client, auth, path, service):
    response = await client.get(path, headers=auth)
    assert response.status_code == 200
    echo = response.json()
    assert echo["service"] == service
    assert echo["target"] == path


async def test_unknown_api_path_is_a_404_problem(client, auth):
    for path in ("/api/v1/membersX", "/api/v1/nowhere/1", "/api/v1/", "/api/v1/members/../x"):
        response = await client.get(path, headers=auth)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 404


async def test_console_is_not_caught_by_the_proxy(client, auth):
    # /console belongs to the console (a login redirect without a session), not to a service.
    response = await client.get("/console/", headers=auth)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/login")


async def test_method_path_query_and_body_are_preserved(client, auth):
    query = "b=2&a=1&a=%20x&name=%C3%A9cole+Jules&plus=a%2Bb&empty=&flag&slash=a/b?c;d&pct=%zz"
    response = await client.put(
        f"/api/v1/members/a%2Fb%20c?{query}",
        headers={**auth, "Content-Type": "application/octet-stream"},
        content=b"\x00binary\xffbody",
    )
    echo = response.json()
    assert echo["method"] == "PUT"
    assert echo["target"] == f"/api/v1/members/a%2Fb%20c?{query}"
    assert echo["body"].encode("latin-1") == b"\x00binary\xffbody"
    assert values(echo, "content-length") == [str(len(b"\x00binary\xffbody"))]


async def test_streamed_request_body_reaches_the_peer(client, auth):
    async def chunks():
        for i in range(3):
            yield f"[{i}]\n".encode()

    response = await client.post(
        "/api/v1/hits", headers={**auth, "Content-Type": "application/x-ndjson"}, content=chunks()
    )
    echo = response.json()
    assert echo["body"] == "[0]\n[1]\n[2]\n"
    assert echo["method"] == "POST"


async def test_bodyless_get_sends_no_body(client, auth):
    echo = (await client.get("/api/v1/members", headers=auth)).json()
    assert values(echo, "content-length") == []
    assert values(echo, "transfer-encoding") == []


async def test_every_method_is_forwarded(client, auth):
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        response = await client.request(method, "/api/v1/members/x", headers=auth)
        assert response.status_code == 200, method
        assert response.json()["method"] == method
    head = await client.head("/api/v1/members/x", headers=auth)
    assert head.status_code == 200
    assert head.content == b""


async def test_hop_by_hop_request_headers_are_stripped(client, auth):
    response = await client.get(
        "/api/v1/members",
        headers={
            **auth,
            "Connection": "keep-alive, X-Private-Hop",
            "X-Private-Hop": "secret",
            "Keep-Alive": "timeout=5",
            "TE": "trailers",
            "Trailer": "X-Checksum",
            "Upgrade": "websocket",
            "Proxy-Authorization": "Basic Zm9vOmJhcg==",
            "Proxy-Connection": "keep-alive",
            "X-Kept": "one",
        },
    )
    echo = response.json()
    names = {k for k, _ in echo["headers"]}
    assert not names & (HOP | {"x-private-hop", "proxy-authorization", "proxy-connection"})
    assert values(echo, "x-kept") == ["one"]


async def test_end_to_end_headers_pass_unchanged_and_repeated(client, auth):
    response = await client.get(
        "/api/v1/members",
        headers=[
            *auth.items(),
            ("Accept", "text/csv"),
            ("Accept-Language", "fr-FR"),
            ("If-None-Match", '"abc"'),
            ("Idempotency-Key", "k-1"),
            ("X-Custom", "first"),
            ("X-Custom", "second"),
            ("Cookie", "session=1"),
        ],
    )
    echo = response.json()
    assert values(echo, "authorization") == [auth["Authorization"]]
    assert values(echo, "accept") == ["text/csv"]
    assert values(echo, "accept-language") == ["fr-FR"]
    assert values(echo, "if-none-match") == ['"abc"']
    assert values(echo, "idempotency-key") == ["k-1"]
    assert values(echo, "x-custom") == ["first", "second"]
    assert values(echo, "cookie") == ["session=1"]


async def test_no_client_defaults_are_added(client, auth):
    """The shared client must not add its own Accept-Encoding (the peer would gzip for a
    caller that did not ask), User-Agent or Accept."""
    request = client.build_request("GET", "/api/v1/members", headers=auth)
    for name in ("accept-encoding", "user-agent", "accept"):
        del request.headers[name]
    echo = (await client.send(request)).json()
    for name in ("accept-encoding", "user-agent", "accept", "cookie"):
        assert values(echo, name) == [], name
    assert len(values(echo, "host")) == 1


async def test_forwarded_headers_are_set_by_the_gateway(client, auth):
    response = await client.get(
        "/api/v1/members",
        headers={
            **auth,
            "X-Forwarded-For": "6.6.6.6",
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Proto": "gopher",
            "Forwarded": "for=6.6.6.6",
            "X-Real-IP": "6.6.6.6",
        },
    )
    echo = response.json()
    assert values(echo, "x-forwarded-for") == ["203.0.113.7"]
    assert values(echo, "x-forwarded-proto") == ["http"]
    assert values(echo, "x-forwarded-host") == ["gateway.test"]
    assert values(echo, "forwarded") == []
    assert values(echo, "x-real-ip") == []
    assert values(echo, "host") != ["gateway.test"]


async def test_request_id_is_kept_or_made_and_forwarded(client, auth):
    kept = await client.get("/api/v1/members", headers={**auth, "X-Request-ID": "req-42"})
    assert kept.headers["x-request-id"] == "req-42"
    assert values(kept.json(), "x-request-id") == ["req-42"]

    made = await client.get("/api/v1/members", headers={**auth, "X-Request-ID": "bad id!"})
    rid = made.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    assert values(made.json(), "x-request-id") == [rid]


async def test_traceparent_is_added_and_continues_the_callers_trace(client, auth):
    fresh = (await client.get("/api/v1/members", headers=auth)).json()
    [tp] = values(fresh, "traceparent")
    assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}", tp)

    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    incoming = f"00-{trace_id}-{parent_id}-01"
    continued = (
        await client.get("/api/v1/members", headers={**auth, "traceparent": incoming})
    ).json()
    [tp] = values(continued, "traceparent")
    assert tp.split("-")[1] == trace_id
    assert tp.split("-")[2] != parent_id  # a span of ours in between


async def test_status_location_and_body_are_preserved(client, auth):
    created = await client.post(
        "/api/v1/members", headers={**auth, "X-Echo-Mode": "created"}, json={"slug": "x"}
    )
    assert created.status_code == 201
    assert created.headers["location"] == "/api/v1/members/new-one"
    assert created.json()["body"] == '{"slug":"x"}'

    multi = await client.post("/api/v1/hits", headers={**auth, "X-Echo-Mode": "multi"})
    assert multi.status_code == 207
    assert multi.json()["service"] == "measure"


async def test_a_peer_problem_passes_through_unchanged(client, auth, helpers):
    response = await client.post(
        "/api/v1/members", headers={**auth, "X-Echo-Mode": "problem"}, json={}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.content == json.dumps(helpers.problem_422).encode()


async def test_gzip_body_passes_through_compressed(client, auth):
    async with client.stream(
        "GET",
        "/api/v1/indicators",
        headers={**auth, "X-Echo-Mode": "gzip", "Accept-Encoding": "gzip"},
    ) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) == len(raw)
    echo = json.loads(gzip.decompress(raw))
    assert echo["service"] == "measure"
    assert values(echo, "accept-encoding") == ["gzip"]


async def test_hop_by_hop_response_headers_are_stripped(client, auth):
    response = await client.get("/api/v1/members", headers={**auth, "X-Echo-Mode": "hop"})
    assert response.status_code == 200
    names = set(response.headers.keys())
    assert not names & (HOP | {"x-secret-hop", "proxy-authenticate"})
    assert response.headers["x-kept"] == "yes"
    assert response.json()["service"] == "tenants"


async def test_repeated_set_cookie_headers_come_back(client, auth):
    response = await client.get("/api/v1/members", headers={**auth, "X-Echo-Mode": "cookies"})
    assert response.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2"]


async def test_the_shared_client_keeps_no_cookies(app, client, auth):
    await client.get("/api/v1/members", headers={**auth, "X-Echo-Mode": "cookies"})
    client.cookies.clear()  # the test client's own jar; the gateway's must not have kept any
    echo = (await client.get("/api/v1/members", headers=auth)).json()
    assert values(echo, "cookie") == []
    assert len(app.state.proxy.client.cookies) == 0


async def test_chunked_peer_answer_is_streamed_back(client, auth):
    response = await client.get("/api/v1/notes", headers={**auth, "X-Echo-Mode": "stream"})
    assert response.status_code == 200
    assert response.text == "".join(f"line {i}\n" for i in range(5))


# --- authentication ----------------------------------------------------------------------


async def test_protected_route_without_token_is_401(client):
    response = await client.get("/api/v1/members")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-a-jwt",
        "Basic Zm9vOmJhcg==",
        "Bearer ",
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
    ],
)
async def test_protected_route_with_a_bad_token_is_401(client, authorization):
    response = await client.get("/api/v1/invoices", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_expired_or_foreign_tokens_are_401(client, tokens):
    expired = tokens.headers(roles=["gip-admin"], expires_in=-3600)
    assert (await client.get("/api/v1/invoices", headers=expired)).status_code == 401
    other_audience = tokens.headers(roles=["gip-admin"], aud="someone-else")
    assert (await client.get("/api/v1/invoices", headers=other_audience)).status_code == 401


async def test_two_authorization_headers_are_refused(client, auth):
    headers = [("Authorization", auth["Authorization"]), ("Authorization", "Bearer other")]
    response = await client.get("/api/v1/invoices", headers=headers)
    assert response.status_code == 401


async def test_public_routes_need_no_token(client):
    data = await client.get("/api/v1/open-data/2025-2026/weekly.csv?uai=0920001A")
    assert data.status_code == 200
    assert data.json()["service"] == "reports"
    collect = await client.get("/collect?s=123456&p=home&idclient=abc")
    assert collect.status_code == 200
    echo = collect.json()
    assert echo["service"] == "measure"
    assert echo["target"] == "/collect?s=123456&p=home&idclient=abc"
    assert values(echo, "authorization") == []


async def test_public_routes_forward_a_token_unchanged_even_a_bad_one(client):
    response = await client.get("/api/v1/open-data/x", headers={"Authorization": "Bearer whatever"})
    assert response.status_code == 200
    assert values(response.json(), "authorization") == ["Bearer whatever"]


# --- failures ----------------------------------------------------------------------------


async def test_stopped_peer_is_503_with_retry_after(gateway, auth, helpers):
    async with gateway(peer_billing=helpers.closed_port_url()) as app:
        async with helpers.asgi_client(app) as client:
            response = await client.get("/api/v1/invoices", headers=auth)
            other = await client.get("/api/v1/members", headers=auth)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) >= 1
    body = response.json()
    assert body["status"] == 503
    assert "billing" in body["detail"]
    assert other.status_code == 200  # the other peers are unaffected


async def test_slow_peer_is_504(gateway, auth, helpers):
    async with gateway(proxy_read_timeout=0.3) as app, helpers.asgi_client(app) as client:
        response = await client.get(
            "/api/v1/indicators", headers={**auth, "X-Echo-Mode": "slow", "X-Echo-Delay": "1.5"}
        )
    assert response.status_code == 504
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 504
