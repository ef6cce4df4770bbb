"""pytest fixtures for a service's tests; a service's conftest imports them and defines
`service_app` (its FastAPI app, built with test settings) and `migrations_dir`.

    from gipkit.testing.fixtures import *  # noqa: F403
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import URL
from sqlmodel.ext.asyncio.session import AsyncSession

from gipkit.db import Database
from gipkit.testing.database import migrated_database_url, rollback_database
from gipkit.testing.tokens import TokenFactory

__all__ = [
    "anyio_backend",
    "app",
    "client",
    "database",
    "database_url",
    "session",
    "tokens",
]


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest.fixture(scope="session")
def database_url(
    migrations_dir: Path, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> URL:
    """Built once per test session and xdist worker, from the service's migrations."""
    name = f"{migrations_dir.parent.name}_{worker_id}"
    return migrated_database_url(
        name=name, migrations_dir=migrations_dir, tmp_dir=tmp_path_factory.mktemp("db")
    )


@pytest.fixture
async def database(database_url: URL) -> AsyncIterator[Database]:
    async with rollback_database(database_url) as db:
        yield db


@pytest.fixture
async def session(database: Database) -> AsyncIterator[AsyncSession]:
    async with database.sessionmaker() as s:
        yield s


@pytest.fixture
async def app(
    service_app: Callable[[], FastAPI], database: Database, tokens: TokenFactory
) -> AsyncIterator[FastAPI]:
    application = service_app()
    application.state.db = database
    application.state.verifier = tokens.verifier()
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def as_role(tokens: TokenFactory, role: str, organization: Any = None) -> dict[str, str]:
    """Headers of a caller holding `role` (and acting for `organization`)."""
    return tokens.headers(roles=[role], organization=organization)
