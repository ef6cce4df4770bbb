"""Queries of published open-data weeks (insert only: published files never change)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from reports.common.pagination import PageRequest
from reports.open_data.models import OpenDataFile, OpenDataRelease


async def by_week(session: AsyncSession, week: str) -> OpenDataRelease | None:
    query = select(OpenDataRelease).where(OpenDataRelease.week == week)
    return (await session.exec(query)).first()


@dataclass(frozen=True)
class FileInfo:
    name: str
    media_type: str
    sha256: str
    size: int


async def files(session: AsyncSession, release_id: int) -> list[FileInfo]:
    # The columns only: describing a release does not load its files' bytes.
    query = (
        select(OpenDataFile.name, OpenDataFile.media_type, OpenDataFile.sha256, OpenDataFile.size)
        .where(OpenDataFile.release_id == release_id)
        .order_by(col(OpenDataFile.name))
    )
    return [FileInfo(*row) for row in (await session.exec(query)).all()]


async def file(session: AsyncSession, release_id: int, name: str) -> OpenDataFile | None:
    query = select(OpenDataFile).where(
        OpenDataFile.release_id == release_id, OpenDataFile.name == name
    )
    return (await session.exec(query)).first()


async def page(session: AsyncSession, request: PageRequest) -> Sequence[OpenDataRelease]:
    query = select(OpenDataRelease)
    if request.before is not None:
        query = query.where(col(OpenDataRelease.id) < request.before)
    query = query.order_by(col(OpenDataRelease.id).desc()).limit(request.limit + 1)
    return (await session.exec(query)).all()
