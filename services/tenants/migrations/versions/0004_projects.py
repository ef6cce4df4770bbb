"""ENT projects, funders, establishment memberships

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
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("vendor", sa.String(length=100), nullable=False),
        sa.Column("site_id", sa.String(length=6), nullable=False),
        sa.Column("allowed_origins", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_project"),
        sa.UniqueConstraint("slug", name="uq_project_slug"),
        sa.UniqueConstraint("site_id", name="uq_project_site_id"),
    )
    op.create_table(
        "project_funder",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("responsible", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name="fk_project_funder_member_id_member"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name="fk_project_funder_project_id_project"
        ),
        sa.PrimaryKeyConstraint("project_id", "member_id", name="pk_project_funder"),
    )
    op.create_index("ix_project_funder_member_id", "project_funder", ["member_id"])
    op.create_table(
        "project_establishment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from", name="ck_project_establishment_period"
        ),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name="fk_project_establishment_establishment_id_establishment",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name="fk_project_establishment_project_id_project"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_project_establishment"),
    )
    op.create_index(
        "ix_project_establishment_establishment_id", "project_establishment", ["establishment_id"]
    )
    op.create_index("ix_project_establishment_project_id", "project_establishment", ["project_id"])


def downgrade() -> None:
    op.drop_table("project_establishment")
    op.drop_table("project_funder")
    op.drop_table("project")
