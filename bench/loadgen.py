"""A small HTTP/1.1 load generator on asyncio streams: keep-alive connections, requests built
in advance as bytes, a bounded number in flight, bounded in count and in time.

httpx costs a few hundred microseconds of client CPU per request; on a 2-core machine shared
with the server and PostgreSQL that would be measured instead of the server. This client does
little more than write bytes and read a status line, headers and a Content-Length body.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode


@dataclass
class LoadResult:
    requests: int = 0
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    stopped_by_deadline: bool = False
    first_error: str = ""

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def ok(self, *codes: int) -> int:
        return sum(n for code, n in self.statuses.items() if code in codes)


def _head(method: str, path: str, port: int, headers: Mapping[str, str], length: int) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if method != "GET" or length:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def post(path: str, body: bytes, port: int, headers: Mapping[str, str]) -> bytes:
    return _head("POST", path, port, headers, len(body)) + body


def get(path: str, params: Mapping[str, str], port: int, headers: Mapping[str, str]) -> bytes:
    return _head("GET", f"{path}?{urlencode(params)}", port, headers, 0)


async def _response(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    """(status, connection closes, body) of one response."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, chunked, closes = 0, False, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"connection" and b"close" in value.lower():
            closes = True
    if chunked:
        body = bytearray()
        for _ in range(100_000):
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            body += await reader.readexactly(size + 2)
            if size == 0:
                break
        return status, closes, bytes(body)
    return status, closes, await reader.readexactly(length) if length else b""


async def run(
    port: int,
    requests: Sequence[bytes],
    *,
    concurrency: int,
    max_seconds: float,
) -> LoadResult:
    """Send every request of `requests` once (at most `concurrency` in flight), or stop at
    `max_seconds`; answers are counted by status."""
    result = LoadResult()
    position = iter(range(len(requests)))
    start = time.perf_counter()
    deadline = start + max_seconds

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for index in position:
                if time.perf_counter() > deadline:
                    result.stopped_by_deadline = True
                    return
                sent = time.perf_counter()
                writer.write(requests[index])
                status, closes, body = await _response(reader)
                result.latencies.append(time.perf_counter() - sent)
                result.statuses[status] += 1
                result.requests += 1
                if status >= 400 and not result.first_error:
                    result.first_error = f"{status} {body[:300]!r}"
                if closes:
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
        finally:
            writer.close()

    workers = [asyncio.create_task(worker()) for _ in range(max(1, concurrency))]
    try:
        await asyncio.wait_for(asyncio.gather(*workers), timeout=max_seconds + 30)
    finally:
        for task in workers:
            task.cancel()
    result.seconds = time.perf_counter() - start
    return result
