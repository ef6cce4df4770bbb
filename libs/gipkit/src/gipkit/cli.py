"""The command line every service shares: `python -m <service> serve | migrate | …`."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

import uvicorn

from gipkit.db import upgrade
from gipkit.settings import ServiceSettings
from gipkit.telemetry import configure_logging

Command = Callable[[argparse.Namespace], int]


def run_cli(
    *,
    name: str,
    settings_factory: Callable[[], ServiceSettings],
    app_path: str,
    migrations_dir: Path | None,
    commands: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Command]]
    | None = None,
    argv: Sequence[str] | None = None,
) -> int:
    """Parse `argv` and run one command. `commands` adds service-specific ones:
    name → (help, add_arguments, run)."""
    parser = argparse.ArgumentParser(prog=f"python -m {name}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="serve the HTTP API")
    if migrations_dir is not None:
        sub.add_parser("migrate", help="apply the database migrations")
    for cmd, (help_text, add_arguments, _) in (commands or {}).items():
        add_arguments(sub.add_parser(cmd, help=help_text))
    args = parser.parse_args(argv)
    settings = settings_factory()
    configure_logging(settings.log_level)
    if args.command == "serve":
        uvicorn.run(
            app_path,
            factory=True,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            proxy_headers=True,
        )
        return 0
    if args.command == "migrate":
        assert migrations_dir is not None
        upgrade(migrations_dir, settings.database_url)
        return 0
    _, _, run = (commands or {})[args.command]
    return run(args)
