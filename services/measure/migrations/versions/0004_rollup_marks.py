"""rollup_marks: the visitor-days whose facts the rollup job has yet to recompute (the rollup
leaves the ingest transaction)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rollup_marks",
        sa.Column("site", sa.String(length=6), nullable=False),
        sa.Column("visitor", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("site", "visitor", "day"),
    )


def downgrade() -> None:
    op.drop_table("rollup_marks")
