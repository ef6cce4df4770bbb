from gipkit.db import run_migrations
from tenants.models import metadata

run_migrations(metadata)
