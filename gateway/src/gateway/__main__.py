import sys

from gateway.settings import Settings
from gipkit.cli import run_cli

if __name__ == "__main__":
    sys.exit(
        run_cli(
            name="gateway",
            settings_factory=Settings,
            app_path="gateway.main:create",
            migrations_dir=None,
        )
    )
