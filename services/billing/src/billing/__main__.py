import sys
from pathlib import Path

from billing.demo import command as demo
from billing.settings import Settings
from gipkit.cli import run_cli

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    sys.exit(
        run_cli(
            name="billing",
            settings_factory=Settings,
            app_path="billing.main:create",
            migrations_dir=MIGRATIONS,
            commands={
                "demo": (
                    "prepare the demo year through the API, as gip-ops (idempotent)",
                    demo.add_arguments,
                    demo.command,
                )
            },
        )
    )
