from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from gipkit.testing.fixtures import *  # noqa: F403
from gipkit.testing.tokens import CLOSED_PEERS, TEST_ISSUER
from reports.main import create
from reports.settings import Settings


@pytest.fixture(scope="session")
def migrations_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture
def service_app() -> Callable[[], FastAPI]:
    return lambda: create(Settings(env="test", oidc_issuer=TEST_ISSUER, **CLOSED_PEERS))
