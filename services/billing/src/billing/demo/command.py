"""`python -m billing demo`: prepare the demo year through the API, as `gip-ops` would.

Idempotent: what exists is left as it is (a second run creates nothing), so `make up` may
call it on every start. The draft run is computed by billing from tenants' and measure's
demo data, ready to be approved in the console.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Callable
from typing import Any

import httpx

from billing.demo.catalogue import PRESTATIONS, SUBSCRIPTIONS
from billing.settings import Settings
from gipkit.clock import today
from gipkit.http import ClientCredentials, RetryAfterTransport, TokenProvider

log = logging.getLogger("billing.demo")
Say = Callable[[str], None]
# How long to wait for the draft to be computed before leaving it computing.
WAIT_SECONDS = 60.0


class DemoError(RuntimeError):
    pass


async def _ok(response: httpx.Response, *expected: int) -> Any:
    if response.status_code not in expected:
        raise DemoError(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text[:300]}"
        )
    return response.json() if response.content else None


async def run_demo(
    client: httpx.AsyncClient, *, year: int, say: Say = print, wait: float = WAIT_SECONDS
) -> dict[str, Any]:
    """Everything through `client` (base URL = billing, Authorization set). Returns the run."""
    base = "/api/v1/budget-years"
    if (await client.get(f"{base}/{year}")).status_code == 404:
        await _ok(await client.post(base, json={"year": year}), 201)
        say(f"budget year {year} opened")
    for prestation in PRESTATIONS:
        url = f"{base}/{year}/prestations/{prestation['code']}"
        if (await client.get(url)).status_code == 404:
            await _ok(await client.post(f"{base}/{year}/prestations", json=prestation), 201)
            say(f"prestation {prestation['code']} added")
    for member, code, first_day in SUBSCRIPTIONS:
        existing = await _ok(
            await client.get(
                "/api/v1/subscriptions",
                params={"member": member, "year": year, "prestation": code},
            ),
            200,
        )
        if existing["items"]:
            continue
        body: dict[str, Any] = {"member": member, "prestation": code, "year": year}
        if first_day:
            body["starts_on"] = f"{year}-{first_day}"
        await _ok(await client.post("/api/v1/subscriptions", json=body), 201)
        say(f"{member} subscribed to {code}")
    run = await _draft(client, year=year, say=say)
    run = await _ok(await client.get(f"/api/v1/allocations/{run['id']}"), 200)
    deadline = asyncio.get_running_loop().time() + wait
    while run["status"] == "computing" and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(1.0)
        run = await _ok(await client.get(f"/api/v1/allocations/{run['id']}"), 200)
    say(f"allocation run {run['id']} for {year}: {run['status']}")
    if run.get("error"):
        say(f"  {run['error']}")
    for warning in run.get("warnings", []):
        say(f"  warning: {warning}")
    return dict(run)


async def _draft(client: httpx.AsyncClient, *, year: int, say: Say) -> dict[str, Any]:
    page = await _ok(await client.get("/api/v1/allocations", params={"year": year}), 200)
    runs = page["items"]
    live = [r for r in runs if r["status"] in ("computing", "draft", "approved")]
    if live:
        return dict(live[-1])
    if runs:  # only failed (or superseded) runs: compute the latest failed one again
        failed = [r for r in runs if r["status"] == "failed"]
        if failed:
            say(f"recomputing failed run {failed[-1]['id']}")
            return dict(
                await _ok(
                    await client.post(f"/api/v1/allocations/{failed[-1]['id']}/recompute"), 202
                )
            )
    say(f"computing a draft run for {year}")
    return dict(await _ok(await client.post("/api/v1/allocations", json={"year": year}), 202))


async def _main(settings: Settings, year: int) -> int:
    credentials = ClientCredentials(
        idp_url=settings.idp_url,
        realm=settings.realm,
        client_id=settings.demo_client_id,
        client_secret=settings.demo_client_secret.get_secret_value(),
    )
    async with TokenProvider(credentials) as tokens:
        token = await tokens.get_token()
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=settings.demo_url,
        headers=headers,
        timeout=30.0,
        transport=RetryAfterTransport(),  # the gateway's rate limit: wait as told
    ) as client:
        await run_demo(client, year=year)
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--year", type=int, default=None, help="budget year (default: this one)")


def command(args: argparse.Namespace) -> int:
    settings = Settings()
    year: int = args.year or settings.demo_year or today().year
    try:
        return asyncio.run(_main(settings, year))
    except (DemoError, httpx.HTTPError) as exc:
        log.error("demo failed: %s", exc)
        return 1
