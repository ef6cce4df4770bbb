from billing.models import metadata
from gipkit.db import run_migrations

run_migrations(metadata)
