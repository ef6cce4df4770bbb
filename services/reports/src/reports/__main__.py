import sys
from pathlib import Path

from gipkit.cli import run_cli
from reports.commands import commands
from reports.settings import Settings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    sys.exit(
        run_cli(
            name="reports",
            settings_factory=Settings,
            app_path="reports.main:create",
            migrations_dir=MIGRATIONS,
            commands=commands(Settings),
        )
    )
