"""`python -m measure purge`: the retention job (a k8s CronJob runs it), as the endpoint does."""

from __future__ import annotations

import argparse
import asyncio
import json

from gipkit.db import Database
from measure.common.clock import utcnow
from measure.hits.service import retention_start
from measure.retention.service import purge
from measure.settings import Settings


async def _run(settings: Settings) -> str:
    db = Database.from_url(settings.database_url)
    try:
        async with db.sessionmaker() as session:
            report = await purge(
                session, oldest=retention_start(utcnow(), settings.retention_months)
            )
            await session.commit()
    finally:
        await db.dispose()
    return json.dumps(report.model_dump(mode="json"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options: the window is the settings' (GIP_MEASURE_RETENTION_MONTHS)


def command(args: argparse.Namespace) -> int:
    print(asyncio.run(_run(Settings())))
    return 0
