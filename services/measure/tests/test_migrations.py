"""The migrations build exactly the schema the models describe."""

import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gipkit.db import make_sync_engine
from measure.models import metadata

# Monthly partitions of `hits` on PostgreSQL are tables of their own to the inspector.
PARTITION = re.compile(r"^hits_(default|p[0-9]{4}_[0-9]{2})$")


def not_a_partition(obj, name, type_, reflected, compare_to):
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return not (table is not None and PARTITION.match(table.name))


def test_migrations_match_models(database_url):
    engine = make_sync_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": not_a_partition})
            diff = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert diff == []
