"""members

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
    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("college", sa.String(length=20), nullable=False),
        sa.Column("siren", sa.String(length=9), nullable=True),
        sa.Column("domain", sa.String(length=253), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("idp_status", sa.String(length=20), nullable=False),
        sa.Column("idp_org_id", sa.String(length=64), nullable=True),
        sa.Column("idp_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_member"),
        sa.UniqueConstraint("slug", name="uq_member_slug"),
        sa.UniqueConstraint("name", name="uq_member_name"),
    )
    op.create_index("ix_member_college", "member", ["college"])
    op.create_index("ix_member_idp_status", "member", ["idp_status"])


def downgrade() -> None:
    op.drop_table("member")
