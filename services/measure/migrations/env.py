from gipkit.db import run_migrations
from measure.models import metadata

run_migrations(metadata)
