"""Commands of `python -m reports` besides serve and migrate.

* `generate-quarter --quarter 2026-Q1|previous` — the quarter's notes of every subscriber
  (the Kubernetes CronJob runs `--quarter previous` at the start of each quarter);
* `deliver-usage [--include-failed]` — send queued usage to billing now;
* `publish-open-data --week 2026-W10|previous` — publish a closed week of open data.

Each prints a JSON summary and exits 0, or 1 when something could not be done.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Coroutine
from dataclasses import asdict
from typing import Any

from gipkit.clock import today
from gipkit.errors import GipError
from gipkit.http import PeerError
from reports.common.periods import last_closed_week, parse_named, parse_week, previous_quarter
from reports.notes.quarterly import generate_quarter
from reports.open_data import service as open_data
from reports.runtime import runtime
from reports.settings import Settings
from reports.usage.loop import policy_from
from reports.usage.service import deliver_due

SettingsFactory = Callable[[], Settings]


def _print(summary: dict[str, Any]) -> None:
    json.dump(summary, sys.stdout, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def _run(main: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Run a command; a refusal or an unreachable peer is a one-line error and exit code 1."""
    try:
        return asyncio.run(main())
    except (GipError, PeerError) as exc:
        json.dump({"error": str(exc)}, sys.stderr, ensure_ascii=False)
        sys.stderr.write("\n")
        return 1


# --- generate-quarter ------------------------------------------------------------------------


def _quarter_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quarter", required=True, help="2026-Q1, or `previous`: the last quarter that ended"
    )


def _generate_quarter(settings_factory: SettingsFactory) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        settings = settings_factory()
        day = today()
        text = args.quarter
        quarter = previous_quarter(day) if text == "previous" else parse_named(text)
        if quarter.kind != "quarter":
            raise SystemExit(f"not a quarter: {text}")

        async def main() -> int:
            async with runtime(settings) as (db, clients):
                report = await generate_quarter(
                    db=db, clients=clients, quarter=quarter, settings=settings, today=day
                )
                await deliver_due(db=db, clients=clients, policy=policy_from(settings))
            _print(asdict(report))
            return 1 if report.failed else 0

        return _run(main)

    return run


# --- deliver-usage ---------------------------------------------------------------------------


def _deliver_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--include-failed",
        action="store_true",
        help="also resend usage parked as failed (after fixing why billing refused it)",
    )


def _deliver_usage(settings_factory: SettingsFactory) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        settings = settings_factory()

        async def main() -> int:
            async with runtime(settings) as (db, clients):
                report = await deliver_due(
                    db=db,
                    clients=clients,
                    policy=policy_from(settings),
                    include_failed=args.include_failed,
                )
            _print(asdict(report))
            return 1 if report.failed or report.retrying else 0

        return _run(main)

    return run


# --- publish-open-data -----------------------------------------------------------------------


def _week_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--week", required=True, help="2026-W10, a day of it, or `previous`: the last closed week"
    )


def _publish_open_data(settings_factory: SettingsFactory) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        settings = settings_factory()
        day = today()
        week = last_closed_week(day) if args.week == "previous" else parse_week(args.week)

        async def main() -> int:
            async with runtime(settings) as (db, clients):
                async with db.write_session() as session:
                    published = await open_data.publish(
                        session=session,
                        clients=clients,
                        week=week,
                        published_by=f"{settings.client_id} (command)",
                        today=day,
                        delay_days=settings.open_data_delay_days,
                        concurrency=settings.open_data_concurrency,
                        threshold=settings.secrecy_threshold,
                    )
                    await session.commit()
                    described = await open_data.public(session, published.release)
            _print({"created": published.created, **described.model_dump(mode="json")})
            return 0

        return _run(main)

    return run


def commands(
    settings_factory: SettingsFactory,
) -> dict[
    str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]
]:
    return {
        "generate-quarter": (
            "generate the quarter's notes of every subscriber",
            _quarter_arguments,
            _generate_quarter(settings_factory),
        ),
        "deliver-usage": (
            "send queued usage to billing now",
            _deliver_arguments,
            _deliver_usage(settings_factory),
        ),
        "publish-open-data": (
            "publish a closed week of open data",
            _week_arguments,
            _publish_open_data(settings_factory),
        ),
    }
