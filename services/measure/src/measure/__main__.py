import sys
from pathlib import Path

from gipkit.cli import run_cli
from measure.demo import command as demo
from measure.retention import command as purge
from measure.rollup import command as rollup
from measure.settings import Settings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    sys.exit(
        run_cli(
            name="measure",
            settings_factory=Settings,
            app_path="measure.main:create",
            migrations_dir=MIGRATIONS,
            commands={
                "demo": (
                    "send a synthetic school year of hits for the demo projects (idempotent)",
                    demo.add_arguments,
                    demo.command,
                ),
                "rollup": (
                    "recompute the figures of every visitor-day marked by ingestion, now",
                    rollup.add_arguments,
                    rollup.command,
                ),
                "purge": (
                    "delete raw hits older than the retention window, print the counts",
                    purge.add_arguments,
                    purge.command,
                ),
            },
        )
    )
