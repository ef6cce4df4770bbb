"""`python -m measure rollup`: work off every rollup mark now (after a restore, say), or with
`--follow` keep doing so — the rollup as a process of its own (the `measure-rollup` worker of
compose and Kubernetes), beside API processes run with `GIP_MEASURE_ROLLUP_IN_PROCESS=false`.

A follower touches its heartbeat file after every pass, failed ones included (the database
restarting is waited out, not a reason to restart the worker); `--alive` is its health check:
exit status 0 when the heartbeat is recent, 1 when the loop has stopped or hung.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time

from gipkit import heap
from gipkit.db import Database
from measure.rollup.job import catch_up, run_once
from measure.settings import Settings

log = logging.getLogger("measure.rollup")

# Between two passes that found nothing to do, or after a pass that failed, when following.
IDLE_SECONDS = 0.5
FAILED_PAUSE_SECONDS = 5.0


async def follow(settings: Settings, db: Database, *, passes: int | None = None) -> int:
    """One transaction of marks per pass, the heartbeat touched after each; `passes` bounds
    the loop (tests). The visitor-days recomputed."""
    heartbeat = settings.rollup_heartbeat_file
    done, count = 0, 0
    while passes is None or count < passes:
        count += 1
        try:
            claimed = await run_once(db, batch=settings.rollup_batch_marks)
        except Exception:  # the follower outlives a bad pass; the next one retries
            log.exception("rollup: pass failed")
            heartbeat.touch()
            await asyncio.sleep(FAILED_PAUSE_SECONDS)
            continue
        heartbeat.touch()
        done += claimed
        if claimed:
            log.info("rollup: %d marks worked off", claimed)
        else:
            await asyncio.sleep(IDLE_SECONDS)
    return done


def yield_the_cpu(settings: Settings) -> None:
    """A follower gives way to ingestion on shared cores (`rollup_nice`); a one-off catch-up
    keeps the priority of whoever ran it."""
    if settings.rollup_nice:
        os.nice(settings.rollup_nice)


async def _run(settings: Settings, *, follow_on: bool) -> str:
    db = Database.from_url(settings.database_url)
    try:
        if follow_on:
            # A long-running process, as the API's: it yields the CPU and settles its heap.
            yield_the_cpu(settings)
            heap.settle_for(settings)
            done = await follow(settings, db)
        else:
            done = await catch_up(db, batch=settings.rollup_batch_marks)
    finally:
        await db.dispose()
    return json.dumps({"visitor_days_recomputed": done})


def heartbeat_age(settings: Settings, *, now: float | None = None) -> float | None:
    """Seconds since the follower's last pass; None when it never ran here."""
    try:
        touched = settings.rollup_heartbeat_file.stat().st_mtime
    except FileNotFoundError:
        return None
    return (time.time() if now is None else now) - touched


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--follow", action="store_true", help="keep going: run the rollup as a process of its own"
    )
    parser.add_argument(
        "--alive",
        action="store_true",
        help="health check of a follower: exit 1 unless it finished a pass lately",
    )
    parser.add_argument(
        "--within",
        type=float,
        default=60.0,
        help="with --alive: how recent the last pass must be, in seconds (default 60)",
    )


def command(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.alive:
        age = heartbeat_age(settings)
        if age is None or age > args.within:
            seen = "never" if age is None else f"{age:.0f} s ago"
            print(f"rollup follower not alive: last pass {seen}", file=sys.stderr)
            return 1
        print(f"rollup follower alive: last pass {age:.0f} s ago")
        return 0
    try:
        print(asyncio.run(_run(settings, follow_on=args.follow)))
    except KeyboardInterrupt:  # stopping a follower is its normal end
        pass
    return 0
