"""Dependencies of measure's routers.

Async, though none awaits: FastAPI runs a plain `def` dependency in its thread pool, a thread
hop per request that cost a single-hit request more than its own checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gipkit.auth import Principal, require_roles
from gipkit.db import Database
from measure.common.directory import Directory
from measure.common.writers import Writers
from measure.hits.service import Ingestion
from measure.settings import Settings


async def get_directory(request: Request) -> Directory:
    return request.app.state.directory  # type: ignore[no-any-return]


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_database(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


async def get_writers(request: Request) -> Writers:
    return request.app.state.writers  # type: ignore[no-any-return]


async def get_ingestion(request: Request) -> Ingestion:
    return Ingestion.from_state(request.app.state)


DirectoryDep = Annotated[Directory, Depends(get_directory)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
WritersDep = Annotated[Writers, Depends(get_writers)]
IngestionDep = Annotated[Ingestion, Depends(get_ingestion)]
Ingester = Annotated[Principal, Depends(require_roles("ent-ingest"))]
Admin = Annotated[Principal, Depends(require_roles("gip-admin"))]
Reader = Annotated[
    Principal,
    Depends(require_roles("gip-admin", "service", "member-admin", "member-viewer", "partner")),
]
