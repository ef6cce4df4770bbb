"""hits (partitioned by month on PostgreSQL), idempotency ledger, conflicts, visitor-day facts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "hits",
        sa.Column("site", sa.String(length=6), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uai", sa.String(length=8), nullable=False),
        sa.Column("visitor", sa.String(length=32), nullable=False),
        sa.Column("profile", sa.String(length=2), nullable=False),
        sa.Column("service", sa.String(length=2), nullable=False),
        sa.Column("page", sa.String(length=512), nullable=False),
        sa.Column("device", sa.String(length=8), nullable=False),
        sa.Column("os", sa.String(length=10), nullable=False),
        sa.Column("browser", sa.String(length=40), nullable=False),
        sa.Column("inside", sa.String(length=8), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("site", "event_id", "ts"),
        # Monthly partitions are created as months are first written (measure.hits.partitions).
        postgresql_partition_by="RANGE (ts)",
    )
    if postgres:
        # Whatever has no month partition yet still has a home: no hit is ever refused for it.
        op.execute("CREATE TABLE hits_default PARTITION OF hits DEFAULT")
    op.create_index("ix_hits_site_visitor_ts", "hits", ["site", "visitor", "ts"])
    op.create_table(
        "hit_keys",
        sa.Column("site", sa.String(length=6), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("site", "event_id"),
    )
    op.create_index("ix_hit_keys_ts", "hit_keys", ["ts"])
    op.create_table(
        "hit_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=6), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hit_conflicts_site_event", "hit_conflicts", ["site", "event_id"])
    op.create_table(
        "visitor_day_facts",
        sa.Column("site", sa.String(length=6), nullable=False),
        sa.Column("visitor", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("uai", sa.String(length=8), nullable=False),
        sa.Column("dim", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=10), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("page_views", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("site", "visitor", "day", "uai", "dim", "value"),
    )
    op.create_index("ix_facts_query", "visitor_day_facts", ["site", "uai", "dim", "day", "value"])


def downgrade() -> None:
    op.drop_table("visitor_day_facts")
    op.drop_table("hit_conflicts")
    op.drop_table("hit_keys")
    op.drop_table("hits")
