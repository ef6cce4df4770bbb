"""rollup_marks: append-only, one row per batch and visitor-day (an id for key), so that a
batch never waits for the rollup job holding the same visitor-day

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rebuild(columns: list[sa.Column], constraints: list[sa.schema.SchemaItem]) -> None:
    """Recreate rollup_marks with `columns`, keeping its rows (site, visitor, day, marked_at)."""
    op.execute(
        "CREATE TABLE rollup_marks_copy AS SELECT site, visitor, day, marked_at FROM rollup_marks"
    )
    op.drop_table("rollup_marks")
    op.create_table("rollup_marks", *columns, *constraints)
    op.execute(
        "INSERT INTO rollup_marks (site, visitor, day, marked_at) "
        "SELECT site, visitor, day, min(marked_at) FROM rollup_marks_copy "
        "GROUP BY site, visitor, day"
    )
    op.drop_table("rollup_marks_copy")


def upgrade() -> None:
    _rebuild(
        [
            sa.Column(
                "id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                autoincrement=True,
                nullable=False,
            ),
            sa.Column("site", sa.String(length=6), nullable=False),
            sa.Column("visitor", sa.String(length=32), nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        ],
        [sa.PrimaryKeyConstraint("id")],
    )


def downgrade() -> None:
    _rebuild(
        [
            sa.Column("site", sa.String(length=6), nullable=False),
            sa.Column("visitor", sa.String(length=32), nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        ],
        [sa.PrimaryKeyConstraint("site", "visitor", "day")],
    )
