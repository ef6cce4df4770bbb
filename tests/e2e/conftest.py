"""The whole platform as real processes (dev IdP, four services, gateway) on free ports, with
its state in a temporary folder: started once for the e2e session, stopped at the end."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
# The test modules import the launcher (scripts/devstack.py) and e2e_support by name.
sys.path[:0] = [str(ROOT / "scripts"), str(Path(__file__).resolve().parent)]

from devstack import SERVICES, Stack, free_port  # noqa: E402


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    ports = {name: free_port() for name in ("idp", "gateway", *SERVICES)}
    platform = Stack(
        var_dir=tmp_path_factory.mktemp("var"),
        ports=ports,
        python=str(ROOT / ".venv" / "bin" / "python"),
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
