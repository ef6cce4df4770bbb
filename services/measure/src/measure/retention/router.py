"""`POST /api/v1/retention/purge` (gip-admin): what the `purge` command does, over HTTP."""

from __future__ import annotations

from fastapi import APIRouter

from measure.common.clock import utcnow
from measure.common.deps import Admin, DatabaseDep, SettingsDep, WritersDep
from measure.hits.service import retention_start
from measure.retention.service import PurgeReport, purge

router = APIRouter(prefix="/api/v1/retention", tags=["retention"])


@router.post(
    "/purge",
    response_model=PurgeReport,
    summary="Delete raw hits older than the retention window, and say how many",
)
async def post_purge(
    _admin: Admin, db: DatabaseDep, settings: SettingsDep, writers: WritersDep
) -> PurgeReport:
    async with writers.turn(), db.write_session() as session:
        report = await purge(session, oldest=retention_start(utcnow(), settings.retention_months))
        await session.commit()
    return report
