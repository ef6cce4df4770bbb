"""Reading an ingestion request's body: JSON array or NDJSON, optionally gzip, bounded in
bytes (before and after decompression) and in hits."""

from __future__ import annotations

import zlib
from typing import Any

import orjson
from fastapi import Request

from gipkit.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

JSON = "application/json"
NDJSON = "application/x-ndjson"


async def _raw(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is over {limit} bytes")
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > limit:
            raise PayloadTooLarge(f"the body is over {limit} bytes")
    return bytes(data)


def _gunzip(data: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise BadRequest(f"the body is not valid gzip: {exc}") from exc
    if len(out) > limit or inflater.unconsumed_tail:
        raise PayloadTooLarge(f"the decompressed body is over {limit} bytes")
    if not inflater.eof:
        raise BadRequest("the gzip body is truncated")
    return out


def _ndjson(text: str) -> list[Any]:
    items: list[Any] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(orjson.loads(line))
        except orjson.JSONDecodeError as exc:
            # A line that is not JSON becomes an item error, not a refused batch.
            items.append(_Unreadable(f"line {number} is not JSON: {exc.msg}"))
    return items


class _Unreadable:
    """Stands for an NDJSON line that could not be parsed."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def unreadable_reason(item: Any) -> str | None:
    return item.reason if isinstance(item, _Unreadable) else None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


async def read_hits(request: Request, *, max_bytes: int, max_hits: int) -> list[Any]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in (JSON, NDJSON):
        raise UnsupportedMediaType(f"send {JSON} (an array) or {NDJSON} (one hit per line)")
    data = await _raw(request, max_bytes)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding == "gzip":
        data = _gunzip(data, max_bytes)
    elif encoding not in ("identity", ""):
        raise UnsupportedMediaType("Content-Encoding: gzip or none")
    if media == NDJSON:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequest("the body is not UTF-8") from exc
        items = _ndjson(text)
    else:
        # orjson reads the bytes (checking UTF-8 itself) several times faster than json; it
        # also refuses what JSON does not allow (NaN, lone surrogates) where json lets it in.
        try:
            items = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            if not _is_utf8(data):
                raise BadRequest("the body is not UTF-8") from exc
            raise BadRequest(f"the body is not JSON: {exc.msg} (line {exc.lineno})") from exc
        if not isinstance(items, list):
            raise BadRequest("the body is a JSON array of hits")
    if len(items) > max_hits:
        raise PayloadTooLarge(f"at most {max_hits} hits per request; split the batch")
    return items
