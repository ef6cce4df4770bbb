"""Dependencies of measure's routers."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, Request

from gipkit.auth import Principal, require_roles
from gipkit.db import Database
from measure.common.directory import Directory
from measure.settings import Settings


def get_directory(request: Request) -> Directory:
    return request.app.state.directory  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_database(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


def get_write_lock(request: Request) -> asyncio.Lock:
    return request.app.state.write_lock  # type: ignore[no-any-return]


DirectoryDep = Annotated[Directory, Depends(get_directory)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
WriteLockDep = Annotated[asyncio.Lock, Depends(get_write_lock)]
Ingester = Annotated[Principal, Depends(require_roles("ent-ingest"))]
Admin = Annotated[Principal, Depends(require_roles("gip-admin"))]
Reader = Annotated[
    Principal,
    Depends(require_roles("gip-admin", "service", "member-admin", "member-viewer", "partner")),
]
