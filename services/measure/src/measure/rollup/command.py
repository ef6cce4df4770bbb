"""`python -m measure rollup`: work off every rollup mark now (after a restore, say), or with
`--follow` keep doing so — the rollup as a process of its own, for deployments whose API
processes run with `GIP_MEASURE_ROLLUP_IN_PROCESS=false`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging

from gipkit.db import Database
from measure.rollup.job import catch_up
from measure.settings import Settings

log = logging.getLogger("measure.rollup")

# Between two passes that found nothing to do, when following.
IDLE_SECONDS = 0.5


async def _run(settings: Settings, *, follow: bool) -> str:
    db = Database.from_url(settings.database_url)
    done = 0
    try:
        while True:
            count = await catch_up(db, batch=settings.rollup_batch_marks)
            done += count
            if not follow:
                break
            if count:
                log.info("rollup: %d visitor-days recomputed", count)
            else:
                await asyncio.sleep(IDLE_SECONDS)
    finally:
        await db.dispose()
    return json.dumps({"visitor_days_recomputed": done})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--follow", action="store_true", help="keep going: run the rollup as a process of its own"
    )


def command(args: argparse.Namespace) -> int:
    try:
        print(asyncio.run(_run(Settings(), follow=args.follow)))
    except KeyboardInterrupt:  # stopping a follower is its normal end
        pass
    return 0
