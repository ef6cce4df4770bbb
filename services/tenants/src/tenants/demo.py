"""`python -m tenants demo`: load the demo register through the public API.

Everything goes through HTTP as a gip-admin client would (token from the IdP by client
credentials), never into the tables: the demo exercises the API it shows. Idempotent: what
exists is left as it is, so `make up` can run it on every start.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

from gipkit.http import RetryAfterTransport
from tenants.demo_data import DemoEstablishment, DemoMember, DemoProject, build

log = logging.getLogger("tenants.demo")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base-url",
        default="http://127.0.0.1:8000",
        help="the gateway (or tenants itself); default %(default)s",
    )
    parser.add_argument(
        "--idp-url",
        "--token-from-idp",
        dest="idp_url",
        default="http://127.0.0.1:8080",
        help="IdP to get a gip-admin token from (client credentials); default %(default)s",
    )
    parser.add_argument("--realm", default="gip")
    parser.add_argument("--client-id", default="gip-ops")
    parser.add_argument("--client-secret", default="gip-ops-secret")
    parser.add_argument("--token", help="use this bearer token instead of asking the IdP")


def fetch_token(idp_url: str, realm: str, client_id: str, client_secret: str) -> str:
    url = f"{idp_url.rstrip('/')}/realms/{realm}/protocol/openid-connect/token"
    response = httpx.post(
        url,
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        },
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


@dataclass
class Summary:
    created: dict[str, int] = field(default_factory=dict)
    existing: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, made: bool) -> None:
        target = self.created if made else self.existing
        target[what] = target.get(what, 0) + 1

    def __str__(self) -> str:
        kinds = sorted(set(self.created) | set(self.existing))
        return ", ".join(
            f"{k}: {self.created.get(k, 0)} created, {self.existing.get(k, 0)} existing"
            for k in kinds
        )


class Loader:
    """Loads `members` and `projects` (by default the whole demo register) through `client`,
    an HTTP client authenticated as gip-admin."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        data: tuple[tuple[DemoMember, ...], list[DemoProject]] | None = None,
    ) -> None:
        self.client = client
        self.members_data, self.projects_data = data or build()
        self.summary = Summary()

    def _check(self, response: httpx.Response, *ok: int) -> httpx.Response:
        if response.status_code not in ok:
            raise RuntimeError(
                f"{response.request.method} {response.request.url} → "
                f"{response.status_code}: {response.text[:500]}"
            )
        return response

    async def _all(self, path: str, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            query = {**params, "limit": 500} | ({"cursor": cursor} if cursor else {})
            page = self._check(await self.client.get(path, params=query), 200).json()
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return items

    async def members(self) -> None:
        for m in self.members_data:
            if (await self.client.get(f"/api/v1/members/{m.slug}")).status_code == 200:
                self.summary.count("members", False)
                continue
            body = {
                "slug": m.slug,
                "name": m.name,
                "kind": m.kind,
                "joined_on": "2013-06-01",
                **({"siren": m.siren} if m.siren else {}),
                **({"domain": m.domain} if m.domain else {}),
            }
            created = self._check(await self.client.post("/api/v1/members", json=body), 201).json()
            if created["idp_status"] != "provisioned":
                log.warning("member %s is pending in the IdP (reconcile later)", m.slug)
            self.summary.count("members", True)

    async def establishments(self, projects: list[DemoProject]) -> None:
        schools = [e for p in projects for e, _ in p.establishments]
        # Every school year the register has (they follow the calendar: see demo_data).
        years = sorted({year for e in schools for year in e.headcounts})
        for year in years:
            report = self._check(
                await self.client.post(
                    "/api/v1/establishments/import",
                    params={"school_year": year},
                    content=_csv(schools, year).encode(),
                    headers={"Content-Type": "text/csv"},
                ),
                200,
            ).json()
            if report["errors"]:
                raise RuntimeError(f"import refused rows: {report['errors'][:5]}")
            self.summary.created["establishments"] = (
                self.summary.created.get("establishments", 0) + report["created"]
            )
            if year == years[-1]:
                self.summary.existing["establishments"] = report["unchanged"] + report["updated"]

    async def networks(self, projects: list[DemoProject]) -> None:
        for school in (e for p in projects for e, _ in p.establishments if e.networks):
            path = f"/api/v1/establishments/{school.uai}/networks"
            declared = {
                n["cidr"] for n in self._check(await self.client.get(path), 200).json()["networks"]
            }
            for cidr in school.networks:
                if cidr in declared:
                    self.summary.count("networks", False)
                    continue
                self._check(await self.client.post(path, json={"cidr": cidr}), 201)
                self.summary.count("networks", True)

    async def projects(self, projects: list[DemoProject]) -> None:
        for p in projects:
            if (await self.client.get(f"/api/v1/projects/{p.slug}")).status_code == 200:
                self.summary.count("projects", False)
            else:
                body = {
                    "slug": p.slug,
                    "name": p.name,
                    "vendor": p.vendor,
                    "site_id": p.site_id,
                    "responsible": p.responsible,
                    "cofunders": list(p.cofunders),
                    "allowed_origins": list(p.allowed_origins),
                }
                self._check(await self.client.post("/api/v1/projects", json=body), 201)
                self.summary.count("projects", True)
            memberships = await self._all(f"/api/v1/projects/{p.slug}/memberships")
            attached = {m["uai"] for m in memberships}
            for school, valid_from in p.establishments:
                if school.uai in attached:
                    self.summary.count("memberships", False)
                    continue
                self._check(
                    await self.client.post(
                        f"/api/v1/projects/{p.slug}/memberships",
                        json={"uai": school.uai, "valid_from": valid_from},
                    ),
                    201,
                )
                self.summary.count("memberships", True)

    async def load(self) -> Summary:
        await self.members()
        await self.establishments(self.projects_data)
        await self.networks(self.projects_data)
        await self.projects(self.projects_data)
        return self.summary


def _csv(schools: list[DemoEstablishment], year: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["uai", "name", "type", "commune", "academie", "pupils", "teachers", "staff"])
    for s in schools:
        writer.writerow([s.uai, s.name, s.type, s.commune, s.academie, *s.headcounts[year]])
    return out.getvalue()


async def _load(base_url: str, token: str) -> Summary:
    async with httpx.AsyncClient(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
        # Through the gateway the loader meets its rate limit: wait as told, then go on.
        transport=RetryAfterTransport(),
    ) as client:
        return await Loader(client).load()


def run(args: argparse.Namespace) -> int:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    token = args.token or fetch_token(args.idp_url, args.realm, args.client_id, args.client_secret)
    summary = asyncio.run(_load(args.base_url, token))
    print(f"demo data loaded: {summary}")
    return 0
