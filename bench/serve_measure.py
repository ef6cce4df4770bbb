"""Serves measure for the benchmark, in its own process: `python bench/serve_measure.py CONFIG`.

CONFIG is a JSON file the benchmark writes (mode 0600, in a temporary directory):

* `database_url`, `port`, `collect_per_minute`, `retention_months`, `log_level`;
* `key_pem`: the path of the PEM (PKCS#8, unencrypted) of the RSA key the benchmark's
  `TokenFactory` signs with. The key is loaded into a `TokenFactory` here (its `private_key`
  is a cached property, so assigning it replaces the generated one) and that factory's
  verifier checks the tokens, exactly as in the tests: no IdP, no change to gipkit;
* `rollup_in_process` (optional, default true): false leaves the rollup to a `python -m
  measure rollup --follow` process the benchmark starts beside the server (as deployed);
* `POST /bench/noop` is added to the app: authenticated as `POST /api/v1/hits` (role
  `ent-ingest`), it reads the body and answers a fixed result, doing nothing else — the
  framework's own ceiling for a single-hit request, measured beside it;
* `profile` (optional): a path where the process's cProfile statistics are written when it
  stops (profiling starts at SIGUSR1);
* `projects`: the ENT projects of the `StaticDirectory` (slug, site_id, members,
  allowed_origins, attachments as [uai, valid_from, valid_to]).

The app is `measure.main.create(Settings(...))` served by uvicorn with one worker and the same
uvicorn options as `python -m measure serve` (gipkit.cli).
"""

from __future__ import annotations

import cProfile
import json
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import uvicorn
from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from gipkit.telemetry import configure_logging
from gipkit.testing.tokens import CLOSED_PEERS, TEST_ISSUER, TokenFactory
from measure.common.deps import Ingester
from measure.common.directory import Attachment, Project, StaticDirectory
from measure.main import create
from measure.settings import Settings


def projects_from(rows: list[dict[str, Any]]) -> list[Project]:
    return [
        Project(
            slug=row["slug"],
            site_id=row["site_id"],
            members=tuple(row["members"]),
            allowed_origins=tuple(row["allowed_origins"]),
            attachments=tuple(
                Attachment(
                    uai=uai,
                    valid_from=date.fromisoformat(start),
                    valid_to=date.fromisoformat(end) if end else None,
                )
                for uai, start, end in row["attachments"]
            ),
        )
        for row in rows
    ]


noop = APIRouter()
_NOOP_ANSWER = {"accepted": 1, "duplicates": 0, "conflicts": 0, "unknown_services": 0, "errors": []}


@noop.post("/bench/noop", include_in_schema=False)
async def noop_hits(request: Request, principal: Ingester) -> JSONResponse:
    """The same route shape as `POST /api/v1/hits` minus the work: a reference, not a feature."""
    await request.body()
    return JSONResponse(_NOOP_ANSWER)


def token_factory(key_pem: Path) -> TokenFactory:
    factory = TokenFactory()
    key = serialization.load_pem_private_key(key_pem.read_bytes(), password=None)
    factory.private_key = key  # type: ignore[misc,assignment]
    return factory


def profile_until_shutdown(app: FastAPI, path: str) -> None:
    """cProfile from the first SIGUSR1 (sent by the benchmark after its warm-up requests) until
    the app's lifespan ends, where the statistics are written (uvicorn re-raises SIGTERM after
    its shutdown, so a `finally` around uvicorn.run would not run)."""
    profiler = cProfile.Profile()
    running = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[Any]:
        async with running(application) as state:
            yield state
        profiler.disable()
        profiler.dump_stats(path)

    app.router.lifespan_context = lifespan
    signal.signal(signal.SIGUSR1, lambda *_: profiler.enable())


def main(config_path: str) -> int:
    config = json.loads(Path(config_path).read_text())
    settings = Settings(
        env="test",
        oidc_issuer=TEST_ISSUER,
        idp_url="http://127.0.0.1:9",
        **CLOSED_PEERS,
        database_url=config["database_url"],
        host="127.0.0.1",
        port=config["port"],
        collect_per_minute=config["collect_per_minute"],
        retention_months=config["retention_months"],
        log_level=config.get("log_level", "INFO"),
        rollup_in_process=config.get("rollup_in_process", True),
        gc_freeze=True,  # as `python -m measure serve` (env test would leave it off)
    )
    configure_logging(settings.log_level)
    app = create(settings)
    app.include_router(noop)
    app.state.directory = StaticDirectory(projects=projects_from(config["projects"]))
    app.state.verifier = token_factory(Path(config["key_pem"])).verifier()
    if config.get("profile"):
        profile_until_shutdown(app, config["profile"])
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=settings.port,
        workers=1,
        log_config=None,
        access_log=False,
        proxy_headers=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
