"""The whole platform as real processes (dev IdP, four services, gateway) on free ports, with
its state in a temporary folder: started once for the e2e session, stopped at the end.

With GIP_TEST_DATABASE_URL (CI's second pass) every service gets a fresh PostgreSQL database
on that server; otherwise SQLite files in the temporary folder, as `make up`."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
# The test modules import the launcher (scripts/devstack.py) and e2e_support by name.
sys.path[:0] = [str(ROOT / "scripts"), str(Path(__file__).resolve().parent)]

from devstack import SERVICES, Stack, free_ports  # noqa: E402

from gipkit.testing.database import TEST_DATABASE_ENV, fresh_database_url  # noqa: E402


def _databases(tmp: Path) -> dict[str, str]:
    if not os.environ.get(TEST_DATABASE_ENV):
        return {}
    return {
        service: fresh_database_url(name=f"e2e_{service}", tmp_dir=tmp).render_as_string(
            hide_password=False
        )
        for service in SERVICES
    }


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    ports = free_ports(("idp", "gateway", *SERVICES))
    var_dir = tmp_path_factory.mktemp("var")
    platform = Stack(
        var_dir=var_dir,
        ports=ports,
        python=str(ROOT / ".venv" / "bin" / "python"),
        database_urls=_databases(var_dir),
    )
    platform.migrate()
    platform.start(timeout=90)
    try:
        yield platform
    finally:
        platform.stop()


@pytest.fixture(scope="session")
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=15) as client:
        yield client
