"""hits: one key, (site, visitor, ts, event_id), the order the rollup reads in, instead of a
key and an index; hit_keys loses its `ts` index (only the daily purge asks by it). Each
batch pays for every index of the tables it writes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

import warnings
from collections.abc import Sequence

from alembic import op
from sqlalchemy.exc import SAWarning

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_KEY = ["site", "visitor", "ts", "event_id"]
OLD_KEY = ["site", "event_id", "ts"]


def _key(columns: list[str], *, index: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        # On the partitioned table: PostgreSQL carries both to every partition.
        op.execute("ALTER TABLE hits DROP CONSTRAINT hits_pkey")
        op.execute(f"ALTER TABLE hits ADD CONSTRAINT hits_pkey PRIMARY KEY ({', '.join(columns)})")
    else:
        with warnings.catch_warnings():
            # Replacing the key is the point: SQLAlchemy warns that the copied table's key is
            # not the one it reflected.
            warnings.filterwarnings("ignore", "Table '_alembic_tmp_hits'", SAWarning)
            with op.batch_alter_table("hits", recreate="always") as batch:
                batch.create_primary_key("pk_hits", columns)
    if index:
        op.create_index("ix_hits_site_visitor_ts", "hits", ["site", "visitor", "ts"])


def upgrade() -> None:
    op.drop_index("ix_hits_site_visitor_ts", table_name="hits")
    _key(NEW_KEY, index=False)
    op.drop_index("ix_hit_keys_ts", table_name="hit_keys")


def downgrade() -> None:
    op.create_index("ix_hit_keys_ts", "hit_keys", ["ts"])
    _key(OLD_KEY, index=True)
