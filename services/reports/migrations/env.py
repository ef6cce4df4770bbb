from gipkit.db import run_migrations
from reports.models import metadata

run_migrations(metadata)
