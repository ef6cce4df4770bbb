"""`python -m measure demo`: a synthetic school year for the demo ENT projects, sent through
`POST /api/v1/hits` as each ENT would send it (its own ingest client), and the previous school
year, lighter, for the comparisons. Idempotent: a project that already has hits over the
period is left as it is, and event ids are stable, so a reload would count nothing twice.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx

from gipkit.http import BearerAuth, ClientCredentials, RetryAfterTransport, TokenProvider
from measure.common.clock import paris_day, utcnow
from measure.demo.generate import DemoProject, hits
from measure.indicators.periods import school_year_start
from measure.settings import Settings

log = logging.getLogger("measure.demo")
Say = Callable[[str], None]
BATCH = 2000
PEOPLE = 150  # persons using each demo project (a few hundred keeps `make up` quick)
ADMIN = ("gip-ops", "gip-ops-secret")


class DemoError(RuntimeError):
    pass


def _ok(response: httpx.Response, *expected: int) -> Any:
    if response.status_code not in expected:
        raise DemoError(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text[:300]}"
        )
    return response.json() if response.content else None


def _tokens(idp_url: str, client_id: str, secret: str) -> TokenProvider:
    """The client's tokens, renewed as they expire: a load outlasts a token's five minutes on
    a slow machine."""
    credentials = ClientCredentials(
        idp_url=idp_url, realm="gip", client_id=client_id, client_secret=secret
    )
    return TokenProvider(credentials)


async def _pages(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        query = {"limit": 500, **params, **({"cursor": cursor} if cursor else {})}
        page = _ok(await client.get(path, params=query), 200)
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return items


async def _ingest_secret(
    admin: httpx.AsyncClient, project: dict[str, Any], settings: Settings
) -> tuple[str, str]:
    """The ENT client of the project's responsible member: the dev realm's `demo-ent` for
    Hauts-de-Seine; for the others, one made (or re-keyed) through tenants, as ops would."""
    member = project["responsible_member"]
    if member == "hauts-de-seine":
        return settings.demo_client_id, settings.demo_client_secret.get_secret_value()
    name = f"ENT de démonstration {project['slug']}"
    existing = [
        c
        for c in await _pages(admin, "/api/v1/clients")
        if c["name"] == name and c["enabled"] and c["kind"] == "ent-ingest"
    ]
    if existing:
        rotated = _ok(await admin.post(f"/api/v1/clients/{existing[0]['client_id']}/secret"), 200)
        return rotated["client_id"], rotated["client_secret"]
    created = _ok(
        await admin.post(
            "/api/v1/clients",
            json={"member": member, "kind": "ent-ingest", "name": name},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        ),
        201,
    )
    return created["client_id"], created["client_secret"]


async def _send(
    client: httpx.AsyncClient, project: DemoProject, first: date, last: date, growth: float
) -> dict[str, int]:
    totals = {"accepted": 0, "duplicates": 0, "refused": 0}
    batch: list[dict[str, Any]] = []

    async def flush() -> None:
        answer = _ok(await client.post("/api/v1/hits", json=batch), 200, 207)
        totals["accepted"] += answer["accepted"]
        totals["duplicates"] += answer["duplicates"]
        totals["refused"] += len(answer["errors"]) + answer["conflicts"]
        batch.clear()

    for hit in hits(project, first, last, growth=growth):
        batch.append(hit)
        if len(batch) >= BATCH:
            await flush()
    if batch:
        await flush()
    return totals


async def run_demo(settings: Settings, *, base_url: str, idp_url: str, say: Say = print) -> None:
    today = paris_day(utcnow())
    this_year = school_year_start(today)
    periods = [
        (this_year.replace(year=this_year.year - 1), this_year - timedelta(days=1), 0.7),
        (this_year, today - timedelta(days=1), 1.0),
    ]
    common: dict[str, Any] = {
        "base_url": base_url,
        "timeout": 120.0,
        "transport": RetryAfterTransport(),
    }
    async with (
        _tokens(idp_url, *ADMIN) as admin_tokens,
        httpx.AsyncClient(auth=BearerAuth(admin_tokens), **common) as admin,
    ):
        for project in await _pages(admin, "/api/v1/projects"):
            slug = project["slug"]
            loaded = _ok(
                await admin.get(
                    "/api/v1/indicators",
                    params={"scope": f"project:{slug}", "from": str(periods[0][0])},
                ),
                200,
            )
            if loaded["totals"]["page_views"]:
                say(f"{slug}: hits already loaded")
                continue
            attached = await _pages(admin, f"/api/v1/projects/{slug}/establishments", on=str(today))
            if not attached:
                say(f"{slug}: no establishment attached today, no hits")
                continue
            demo = DemoProject(
                site_id=project["site_id"], uais=[e["uai"] for e in attached], people=PEOPLE
            )
            client_id, secret = await _ingest_secret(admin, project, settings)
            async with (
                _tokens(idp_url, client_id, secret) as ent_tokens,
                httpx.AsyncClient(auth=BearerAuth(ent_tokens), **common) as ent,
            ):
                for first, last, growth in periods:
                    if last < first:
                        continue
                    sent = await _send(ent, demo, first, last, growth)
                    say(f"{slug} {first}…{last}: {sent}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", default=None, help="the gateway (default: demo_url)")
    parser.add_argument("--idp-url", default=None, help="the IdP (default: the settings')")


def command(args: argparse.Namespace) -> int:
    settings = Settings()
    try:
        asyncio.run(
            run_demo(
                settings,
                base_url=args.base_url or settings.demo_url,
                idp_url=args.idp_url or settings.idp_url,
            )
        )
    except (DemoError, httpx.HTTPError) as exc:
        log.error("demo failed: %s", exc)
        return 1
    return 0
