"""day_totals and visitor_presence: what the indicators read (sums per day; a visitor's days
as a string, for exact uniques over any range); visitor_day_facts becomes the job's ledger, one
row per visitor-day. Everything is rebuilt by the rollup job from the raw hits.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "day_totals",
        sa.Column("site", sa.String(length=6), nullable=False),
        sa.Column("uai", sa.String(length=8), nullable=False),
        sa.Column("dim", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.String(length=10), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("page_views", sa.Integer(), nullable=False),
        sa.Column("visitors", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("site", "uai", "dim", "day", "value"),
    )
    op.create_table(
        "visitor_presence",
        sa.Column("site", sa.String(length=6), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("uai", sa.String(length=8), nullable=False),
        sa.Column("dim", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=10), nullable=False),
        sa.Column("visitor", sa.String(length=32), nullable=False),
        sa.Column(
            "days",
            sa.String(length=366).with_variant(postgresql.BIT(366), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("site", "school_year", "uai", "dim", "value", "visitor"),
    )
    op.create_index("ix_presence_visitor", "visitor_presence", ["site", "visitor"])
    # Every visitor-day with facts is marked, and the facts go: the job rebuilds them and
    # fills the new tables from the raw hits.
    op.execute(
        "INSERT INTO rollup_marks (site, visitor, day, marked_at) "
        "SELECT DISTINCT f.site, f.visitor, f.day, CURRENT_TIMESTAMP FROM visitor_day_facts f "
        "WHERE NOT EXISTS (SELECT 1 FROM rollup_marks m "
        "WHERE m.site = f.site AND m.visitor = f.visitor AND m.day = f.day)"
    )
    op.drop_table("visitor_day_facts")
    op.create_table(
        "visitor_day_facts",
        sa.Column("site", sa.String(length=6), nullable=False),
        sa.Column("visitor", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("site", "visitor", "day"),
    )


def downgrade() -> None:
    # The figures of 0004 are rebuilt from the raw hits too: every visitor-day is marked.
    op.execute(
        "INSERT INTO rollup_marks (site, visitor, day, marked_at) "
        "SELECT DISTINCT f.site, f.visitor, f.day, CURRENT_TIMESTAMP FROM visitor_day_facts f "
        "WHERE NOT EXISTS (SELECT 1 FROM rollup_marks m "
        "WHERE m.site = f.site AND m.visitor = f.visitor AND m.day = f.day)"
    )
    op.drop_table("visitor_day_facts")
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
    op.create_index(
        "ix_facts_query",
        "visitor_day_facts",
        ["site", "uai", "dim", "day", "value"],
        postgresql_include=["visitor", "visits", "page_views"],
    )
    op.drop_table("visitor_presence")
    op.drop_table("day_totals")
