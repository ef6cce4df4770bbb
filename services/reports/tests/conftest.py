import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from gipkit.testing.fixtures import *  # noqa: F403
from reports.main import create

# The test doubles of the peers live next to the tests (reports_support.py).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reports_support import FakePeers, make_settings


@pytest.fixture(scope="session")
def migrations_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture
def service_app() -> Callable[[], FastAPI]:
    return lambda: create(make_settings())


@pytest.fixture
def fake_peers(monkeypatch: pytest.MonkeyPatch) -> FakePeers:
    return FakePeers().install(monkeypatch)
