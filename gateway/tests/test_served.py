"""The gateway served by uvicorn on a real socket, in front of real peers: what the ASGI test
client cannot show (chunked streaming on the wire, gzip bytes, our server's own headers)."""

import contextlib
import gzip
import json
import socket
import threading
import time

import httpx
import pytest
import uvicorn

pytestmark = pytest.mark.anyio


@contextlib.contextmanager
def served(app):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the gateway did not start"
        assert thread.is_alive(), "the gateway failed to start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def gateway_url(make_settings, tokens):
    from gateway.main import create

    app = create(make_settings())
    app.state.verifier = tokens.verifier()
    with served(app) as url:
        yield url


async def test_over_the_wire(gateway_url, auth):
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as client:
        async with client.stream(
            "GET", "/api/v1/indicators", headers={**auth, "X-Echo-Mode": "gzip"}
        ) as response:
            raw = b"".join([c async for c in response.aiter_raw()])
        assert response.status_code == 200
        assert response.headers["content-encoding"] == "gzip"
        echo = json.loads(gzip.decompress(raw))
        assert dict(echo["headers"])["x-forwarded-for"] == "127.0.0.1"

        streamed = await client.get("/api/v1/notes", headers={**auth, "X-Echo-Mode": "stream"})
        assert streamed.text == "".join(f"line {i}\n" for i in range(5))

        hop = await client.get("/api/v1/members", headers={**auth, "X-Echo-Mode": "hop"})
        assert "x-secret-hop" not in hop.headers
        assert "proxy-authenticate" not in hop.headers
        assert hop.headers.get("keep-alive") is None
        assert len(hop.headers.get_list("date")) == 1
        assert len(hop.headers.get_list("server")) == 1

        big = b"x" * 1_000_000
        upload = await client.post("/api/v1/hits", headers=auth, content=big)
        assert upload.status_code == 200
        assert len(upload.json()["body"]) == len(big)

        assert (await client.get("/api/v1/members")).status_code == 401
