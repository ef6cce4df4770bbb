"""The platform's OpenAPI document: the gateway's own paths plus those of the four services.

Each service's `/openapi.json` is fetched when `/openapi.json` is asked for (with a short
timeout) and kept for a while; a service that cannot be reached is listed in
`info.x-unavailable` and left out, never a 500. Only the paths the gateway routes to a
service are taken from it (its `/healthz`, `/metrics`… are not reachable through us).

Components are merged by name: an identical definition is shared (`Problem`, `FieldError`,
`HTTPBearer`…), a different one under the same name is renamed `<service>_<Name>` and every
reference to it in that service's paths and components is rewritten (`$ref`, discriminator
mappings, and security requirement names for security schemes).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from gateway.routing import PEERS, resolve

log = logging.getLogger("gateway.openapi")

OPENAPI_PATH = "/openapi.json"
DOCS_PATH = "/docs"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
# How long an unreachable service is remembered as such before we try it again.
FAILURE_TTL_SECONDS = 5.0

Spec = dict[str, Any]


@dataclass
class _Entry:
    spec: Spec | None
    expires: float


class SpecCache:
    """Each service's OpenAPI document, fetched on demand and kept `ttl` seconds."""

    def __init__(
        self,
        peer_urls: Mapping[str, str],
        *,
        ttl: float = 60.0,
        timeout: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.peer_urls = dict(peer_urls)
        self.ttl = ttl
        self.timeout = timeout
        self.clock = clock
        self._entries: dict[str, _Entry] = {}
        self._locks = {name: asyncio.Lock() for name in self.peer_urls}

    async def _fetch(self, client: httpx.AsyncClient, name: str) -> Spec | None:
        url = f"{self.peer_urls[name].rstrip('/')}{OPENAPI_PATH}"
        try:
            response = await client.get(url, timeout=self.timeout)
        except httpx.HTTPError as exc:
            log.warning("OpenAPI of %s unavailable: %s", name, type(exc).__name__)
            return None
        if response.status_code != 200:
            log.warning("OpenAPI of %s unavailable: status %d", name, response.status_code)
            return None
        try:
            spec = response.json()
        except ValueError:
            log.warning("OpenAPI of %s is not JSON", name)
            return None
        if not isinstance(spec, dict) or not isinstance(spec.get("paths", {}), dict):
            log.warning("OpenAPI of %s is not an OpenAPI document", name)
            return None
        return spec

    async def get(self, client: httpx.AsyncClient, name: str) -> Spec | None:
        entry = self._entries.get(name)
        if entry is not None and entry.expires > self.clock():
            return entry.spec
        async with self._locks[name]:  # one fetch at a time per service
            entry = self._entries.get(name)
            if entry is not None and entry.expires > self.clock():
                return entry.spec
            spec = await self._fetch(client, name)
            ttl = self.ttl if spec is not None else min(self.ttl, FAILURE_TTL_SECONDS)
            self._entries[name] = _Entry(spec, self.clock() + ttl)
            return spec

    async def all(self, client: httpx.AsyncClient) -> dict[str, Spec | None]:
        names = list(self.peer_urls)
        specs = await asyncio.gather(*(self.get(client, n) for n in names))
        return dict(zip(names, specs, strict=True))


# --- merging -----------------------------------------------------------------------------

_REF_PREFIX = "#/components/"


def _pointer_escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _pointer_unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _component_of(ref: str) -> tuple[str, str] | None:
    """`#/components/schemas/Foo` → ("schemas", "Foo"); None for anything else."""
    if not ref.startswith(_REF_PREFIX):
        return None
    parts = ref[len(_REF_PREFIX) :].split("/")
    if len(parts) != 2:
        return None
    return parts[0], _pointer_unescape(parts[1])


Renames = Mapping[tuple[str, str], str]


def _rewrite_ref(ref: str, renames: Renames) -> str:
    target = _component_of(ref)
    if target is None or target not in renames:
        return ref
    return f"{_REF_PREFIX}{target[0]}/{_pointer_escape(renames[target])}"


def _rewrite_security(requirements: Any, renames: Renames) -> Any:
    if not isinstance(requirements, list):
        return requirements
    return [
        {renames.get(("securitySchemes", k), k): v for k, v in req.items()}
        if isinstance(req, dict)
        else req
        for req in requirements
    ]


def rewrite_refs(node: Any, renames: Renames) -> Any:
    """A copy of `node` with references to renamed components pointing at their new names."""
    if isinstance(node, list):
        return [rewrite_refs(item, renames) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            out[key] = _rewrite_ref(value, renames)
        elif key == "discriminator" and isinstance(value, dict):
            rewritten = rewrite_refs(value, renames)
            mapping = rewritten.get("mapping")
            if isinstance(mapping, dict):
                rewritten["mapping"] = {
                    k: _rewrite_ref(v, renames) if isinstance(v, str) else v
                    for k, v in mapping.items()
                }
            out[key] = rewritten
        elif key == "security" and isinstance(value, list):
            out[key] = _rewrite_security(value, renames)
        else:
            out[key] = rewrite_refs(value, renames)
    return out


def _unique_name(service: str, name: str, taken: set[str]) -> str:
    candidate = f"{service}_{name}"
    n = 2
    while candidate in taken:
        candidate = f"{service}_{name}_{n}"
        n += 1
    return candidate


def plan_renames(merged: Mapping[str, Mapping[str, Any]], incoming: Spec, service: str) -> Renames:
    """Which of `incoming`'s components must be renamed to merge into `merged`.

    A component keeps its name when the name is free or holds an identical definition —
    compared after the renames decided so far, since renaming one component changes those
    that refer to it. Repeats until nothing more needs renaming."""
    sections: Mapping[str, Mapping[str, Any]] = incoming.get("components") or {}
    renames: dict[tuple[str, str], str] = {}
    while True:
        added = False
        for section, items in sections.items():
            if not isinstance(items, dict):
                continue
            existing = merged.get(section, {})
            for name, definition in items.items():
                if (section, name) in renames or name not in existing:
                    continue
                if existing[name] == rewrite_refs(definition, renames):
                    continue
                taken = set(existing) | set(items)
                taken |= {new for (s, _), new in renames.items() if s == section}
                renames[(section, name)] = _unique_name(service, name, taken)
                added = True
        if not added:
            return renames


def merge_specs(own: Spec, services: Mapping[str, Spec | None], *, title: str) -> Spec:
    """The gateway's document `own` plus every available service's routed paths."""
    merged = copy.deepcopy(own)
    merged.setdefault("info", {})["title"] = title
    paths: dict[str, Any] = merged.setdefault("paths", {})
    components: dict[str, dict[str, Any]] = merged.setdefault("components", {})
    tags: list[dict[str, Any]] = merged.setdefault("tags", [])
    tag_names = {t.get("name") for t in tags}
    operation_ids = {
        op.get("operationId")
        for item in paths.values()
        for method, op in item.items()
        if method in HTTP_METHODS and isinstance(op, dict)
    }
    unavailable: list[str] = []

    for service, spec in services.items():
        if spec is None:
            unavailable.append(service)
            continue
        renames = plan_renames(components, spec, service)
        for section, items in (spec.get("components") or {}).items():
            if not isinstance(items, dict):
                continue
            target = components.setdefault(section, {})
            for name, definition in items.items():
                new_name = renames.get((section, name), name)
                target.setdefault(new_name, rewrite_refs(definition, renames))
        service_security = _rewrite_security(spec.get("security"), renames)
        for path, item in (spec.get("paths") or {}).items():
            route = resolve(path)
            if route is None or route.service != service or path in paths:
                continue
            item = rewrite_refs(item, renames)
            for method, operation in item.items():
                if method not in HTTP_METHODS or not isinstance(operation, dict):
                    continue
                operation["x-service"] = service
                if service_security and "security" not in operation:
                    # The document-level default of that service, made explicit.
                    operation["security"] = copy.deepcopy(service_security)
                op_id = operation.get("operationId")
                if op_id is not None and op_id in operation_ids:
                    op_id = operation["operationId"] = f"{service}_{op_id}"
                operation_ids.add(op_id)
            paths[path] = item
        for tag in spec.get("tags") or []:
            if isinstance(tag, dict) and tag.get("name") not in tag_names:
                tags.append(tag)
                tag_names.add(tag.get("name"))

    if not tags:
        merged.pop("tags")
    merged["info"]["x-unavailable"] = unavailable
    return merged


# --- routes ------------------------------------------------------------------------------


def openapi_router(*, title: str = "gip-mesure API") -> APIRouter:
    router = APIRouter()

    @router.get(OPENAPI_PATH, include_in_schema=False)
    async def merged_openapi(request: Request) -> JSONResponse:
        app: FastAPI = request.app
        cache: SpecCache = app.state.openapi_cache
        client: httpx.AsyncClient = app.state.proxy.client
        specs = await cache.all(client)
        # The cache hands back the same objects until it refetches: merge only then.
        last = getattr(app.state, "openapi_merged", None)
        if last is None or any(last[0].get(name) is not spec for name, spec in specs.items()):
            last = (specs, merge_specs(app.openapi(), specs, title=title))
            app.state.openapi_merged = last
        return JSONResponse(last[1])

    @router.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=OPENAPI_PATH, title=f"{title} — docs")

    return router


def remove_default_docs(app: FastAPI, paths: Sequence[str] | None = None) -> None:
    """FastAPI registers its own `/openapi.json` and `/docs` first, which would shadow ours."""
    defaults = set(paths or (OPENAPI_PATH, DOCS_PATH, "/docs/oauth2-redirect", "/redoc"))
    app.router.routes[:] = [
        r for r in app.router.routes if getattr(r, "path", None) not in defaults
    ]


def install_spec_cache(app: FastAPI, *, ttl: float, timeout: float) -> None:
    app.state.openapi_cache = SpecCache(
        {name: app.state.peer_urls[name] for name in PEERS}, ttl=ttl, timeout=timeout
    )
