import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from gipkit.testing.fixtures import *  # noqa: F403
from gipkit.testing.fixtures import as_role
from gipkit.testing.tokens import CLOSED_PEERS, TEST_ISSUER, TokenFactory
from measure.main import create
from measure.settings import Settings

# The test data lives next to the tests (measure_support.py).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure_support import directory


def measure_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "oidc_issuer": TEST_ISSUER,
        "idp_url": "http://127.0.0.1:9",
        **CLOSED_PEERS,
    }
    values.update(overrides)
    return Settings(**values)


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
