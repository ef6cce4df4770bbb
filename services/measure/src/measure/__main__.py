import sys
from pathlib import Path

from gipkit.cli import run_cli
from measure.settings import Settings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    sys.exit(
        run_cli(
            name="measure",
            settings_factory=Settings,
            app_path="measure.main:create",
            migrations_dir=MIGRATIONS,
        )
    )
