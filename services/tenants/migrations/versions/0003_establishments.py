"""establishments, headcounts, networks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "establishment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uai", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("commune", sa.String(length=100), nullable=False),
        sa.Column("academie", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_establishment"),
        sa.UniqueConstraint("uai", name="uq_establishment_uai"),
    )
    op.create_index("ix_establishment_academie", "establishment", ["academie"])
    op.create_table(
        "headcount",
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("pupils", sa.Integer(), nullable=False),
        sa.Column("teachers", sa.Integer(), nullable=False),
        sa.Column("staff", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "pupils >= 0 AND teachers >= 0 AND staff >= 0", name="ck_headcount_non_negative"
        ),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name="fk_headcount_establishment_id_establishment",
        ),
        sa.PrimaryKeyConstraint("establishment_id", "school_year", name="pk_headcount"),
    )
    op.create_table(
        "network",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("cidr", sa.String(length=43), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name="fk_network_establishment_id_establishment",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_network"),
        sa.UniqueConstraint("establishment_id", "cidr", name="uq_network_establishment_id_cidr"),
    )
    op.create_index("ix_network_establishment_id", "network", ["establishment_id"])


def downgrade() -> None:
    op.drop_table("network")
    op.drop_table("headcount")
    op.drop_table("establishment")
