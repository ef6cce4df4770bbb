"""`python -m measure rollup`: work off every rollup mark now (the background worker does the
same; this is for after a restore, or a deployment running without it)."""

from __future__ import annotations

import argparse
import asyncio
import json

from gipkit.db import Database
from measure.rollup.job import catch_up
from measure.settings import Settings


async def _run(settings: Settings) -> str:
    db = Database.from_url(settings.database_url)
    try:
        done = await catch_up(db, batch=settings.rollup_batch_marks)
    finally:
        await db.dispose()
    return json.dumps({"visitor_days_recomputed": done})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options: the batch size is the settings' (GIP_MEASURE_ROLLUP_BATCH_MARKS)


def command(args: argparse.Namespace) -> int:
    print(asyncio.run(_run(Settings())))
    return 0
