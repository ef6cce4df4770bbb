import sys
from pathlib import Path

from gipkit.cli import run_cli
from tenants.commands import COMMANDS
from tenants.settings import Settings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    sys.exit(
        run_cli(
            name="tenants",
            settings_factory=Settings,
            app_path="tenants.main:create",
            migrations_dir=MIGRATIONS,
            commands=COMMANDS,
        )
    )
