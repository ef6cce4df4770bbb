"""What measure needs to know from tenants, cached: projects by site id, their establishments
over time, establishments' networks, and members' projects.

`TenantsDirectory` asks tenants (role `service`) through gipkit's client; tests put a
`StaticDirectory` on `app.state.directory` instead. Both answer the same small types.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol, TypeVar

from gipkit.http import PeerError, PeerNotFound, ServiceClient

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
T = TypeVar("T")

PAGE_LIMIT = 500
MAX_PAGES = 200


@dataclass(frozen=True)
class Attachment:
    uai: str
    valid_from: date
    valid_to: date | None

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Project:
    slug: str
    site_id: str
    members: tuple[str, ...]
    allowed_origins: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()

    def attached(self, uai: str, day: date) -> bool:
        return any(a.uai == uai and a.covers(day) for a in self.attachments)

    def uais(self) -> set[str]:
        return {a.uai for a in self.attachments}


class Directory(Protocol):
    async def project_by_site(self, site_id: str) -> Project | None: ...
    async def project_by_slug(self, slug: str) -> Project | None: ...
    async def projects_of_member(self, member: str) -> list[Project]: ...
    async def all_projects(self) -> list[Project]: ...
    async def networks(self, uai: str) -> list[Network]: ...


@dataclass
class StaticDirectory:
    """A directory from fixed data (tests, the benchmark)."""

    projects: list[Project] = field(default_factory=list)
    network_map: Mapping[str, list[str]] = field(default_factory=dict)

    async def project_by_site(self, site_id: str) -> Project | None:
        return next((p for p in self.projects if p.site_id == site_id), None)

    async def project_by_slug(self, slug: str) -> Project | None:
        return next((p for p in self.projects if p.slug == slug), None)

    async def projects_of_member(self, member: str) -> list[Project]:
        return [p for p in self.projects if member in p.members]

    async def all_projects(self) -> list[Project]:
        return list(self.projects)

    async def networks(self, uai: str) -> list[Network]:
        return [ipaddress.ip_network(c, strict=False) for c in self.network_map.get(uai, [])]


class _TTLCache:
    """A small time-bounded memo; a failed lookup is not cached (the next call retries)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._values: dict[Any, tuple[float, Any]] = {}

    async def get(self, key: Any, load: Callable[[], Awaitable[T]]) -> T:
        now = time.monotonic()
        found = self._values.get(key)
        if found and now - found[0] < self.ttl:
            return found[1]  # type: ignore[no-any-return]
        value = await load()
        if len(self._values) > 10_000:
            self._values.clear()
        self._values[key] = (now, value)
        return value


def _str_list(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


class TenantsDirectory:
    def __init__(self, client: ServiceClient, *, ttl: float = 60.0) -> None:
        self.client = client
        self._cache = _TTLCache(ttl)

    async def _pages(self, path: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        items: list[Any] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            query = {"limit": PAGE_LIMIT, **(params or {})}
            if cursor:
                query["cursor"] = cursor
            body = await self.client.get(path, params=query)
            if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                raise PeerError("tenants", 200, detail=f"{path}: not a page of items")
            items.extend(body["items"])
            cursor = body.get("next_cursor")
            if not cursor:
                break
        return items

    async def _attachments(self, slug: str) -> tuple[Attachment, ...]:
        rows = await self._pages(f"/api/v1/projects/{slug}/establishments")
        return tuple(
            Attachment(
                uai=str(r["uai"]).upper(),
                valid_from=date.fromisoformat(r["valid_from"]),
                valid_to=date.fromisoformat(r["valid_to"]) if r.get("valid_to") else None,
            )
            for r in rows
        )

    async def _project(self, raw: Any) -> Project:
        try:
            slug = str(raw["slug"])
            return Project(
                slug=slug,
                site_id=str(raw["site_id"]),
                members=_str_list(raw.get("members")),
                allowed_origins=_str_list(raw.get("allowed_origins")),
                attachments=await self._attachments(slug),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PeerError("tenants", 200, detail=f"unreadable project: {exc}") from exc

    async def project_by_site(self, site_id: str) -> Project | None:
        async def load() -> Project | None:
            try:
                raw = await self.client.get(f"/api/v1/projects/by-site/{site_id}")
            except PeerNotFound:
                return None
            return await self._project(raw)

        return await self._cache.get(("site", site_id), load)

    async def project_by_slug(self, slug: str) -> Project | None:
        async def load() -> Project | None:
            try:
                raw = await self.client.get(f"/api/v1/projects/{slug}")
            except PeerNotFound:
                return None
            return await self._project(raw)

        return await self._cache.get(("slug", slug), load)

    async def _projects(self, params: Mapping[str, Any]) -> list[Project]:
        return [await self._project(raw) for raw in await self._pages("/api/v1/projects", params)]

    async def projects_of_member(self, member: str) -> list[Project]:
        return await self._cache.get(("member", member), lambda: self._projects({"member": member}))

    async def all_projects(self) -> list[Project]:
        return await self._cache.get(("all",), lambda: self._projects({}))

    async def networks(self, uai: str) -> list[Network]:
        async def load() -> list[Network]:
            try:
                body = await self.client.get(f"/api/v1/establishments/{uai}/networks")
            except PeerNotFound:
                return []
            return parse_networks(body.get("networks") if isinstance(body, dict) else None)

        return await self._cache.get(("networks", uai), load)


def parse_networks(rows: Iterable[Any] | None) -> list[Network]:
    found: list[Network] = []
    for row in rows or []:
        cidr = row.get("cidr") if isinstance(row, dict) else None
        try:
            found.append(ipaddress.ip_network(str(cidr), strict=False))
        except ValueError:
            continue  # tenants validates CIDRs; an unreadable one is ignored, not fatal
    return found
