"""The migrations build exactly the schema the models describe."""

import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

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


def test_key_columns_are_in_the_c_collation_on_postgresql(database_url):
    """Alembic does not compare collations: the key columns the models put in "C" on
    PostgreSQL are checked here, and no other column is."""
    engine = make_sync_engine(database_url)
    try:
        if engine.dialect.name != "postgresql":
            pytest.skip("SQLite compares bytes: no collation is set")
        wanted = {
            (table.name, column.name)
            for table in metadata.tables.values()
            for column in table.columns
            if getattr(column.type.dialect_impl(engine.dialect), "collation", None) == "C"
        }
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT table_name, column_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND collation_name = 'C'"
                )
            )
            found = {(t, c) for t, c in rows if not PARTITION.match(t)}
    finally:
        engine.dispose()
    assert ("hit_keys", "event_id") in wanted
    assert found == wanted
