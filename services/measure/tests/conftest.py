import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from gipkit.testing.fixtures import *  # noqa: F403
from gipkit.testing.fixtures import as_role
from gipkit.testing.tokens import TokenFactory
from measure.main import create
from measure.settings import Settings

# The test data lives next to the tests (measure_support.py; not in conftest, whose module
# name every service's tests share).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure_support import directory, measure_settings


@pytest.fixture(scope="session")
def migrations_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture
def settings() -> Settings:
    return measure_settings()


@pytest.fixture
def service_app(settings: Settings) -> Callable[[], FastAPI]:
    def build() -> FastAPI:
        app = create(settings)
        app.state.directory = directory()
        return app

    return build


@pytest.fixture
def ent(tokens: TokenFactory) -> dict[str, str]:
    """demo-ent: ingests for Hauts-de-Seine's projects."""
    return as_role(tokens, "ent-ingest", "hauts-de-seine")


@pytest.fixture
def admin(tokens: TokenFactory) -> dict[str, str]:
    return as_role(tokens, "gip-admin")
