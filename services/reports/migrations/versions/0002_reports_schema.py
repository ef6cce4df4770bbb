"""reports schema: notes and their owners, the usage outbox, open-data releases and files

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
        "note",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("scope_kind", sa.String(length=16), nullable=False),
        sa.Column("scope_label", sa.String(length=255), nullable=False),
        sa.Column("project", sa.String(length=63), nullable=True),
        sa.Column("period_kind", sa.String(length=16), nullable=False),
        sa.Column("period_label", sa.String(length=21), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("method_version", sa.String(length=20), nullable=False),
        sa.Column("data_cutoff", sa.DateTime(timezone=True), nullable=False),
        sa.Column("figures_sha256", sa.String(length=64), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_note")),
        sa.UniqueConstraint("id", name=op.f("uq_note_id")),
        sa.UniqueConstraint(
            "scope",
            "period_label",
            "method_version",
            "figures_sha256",
            name=op.f("uq_note_scope_period_label_method_version_figures_sha256"),
        ),
    )
    with op.batch_alter_table("note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_note_period_label"), ["period_label"], unique=False)
        batch_op.create_index(batch_op.f("ix_note_scope"), ["scope"], unique=False)

    op.create_table(
        "open_data_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("suppressed_cells", sa.Integer(), nullable=False),
        sa.Column("method_version", sa.String(length=20), nullable=False),
        sa.Column("data_cutoff", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=255), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_data_release")),
        sa.UniqueConstraint("week", name=op.f("uq_open_data_release_week")),
    )
    op.create_table(
        "usage_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("member", sa.String(length=63), nullable=False),
        sa.Column("prestation", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_usage_outbox_idempotency_key")),
    )
    with op.batch_alter_table("usage_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_usage_outbox_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_usage_outbox_status"), ["status"], unique=False)

    op.create_table(
        "note_owner",
        sa.Column("note_seq", sa.Integer(), nullable=False),
        sa.Column("member", sa.String(length=63), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_seq"], ["note.seq"], name=op.f("fk_note_owner_note_seq_note"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("note_seq", "member", name=op.f("pk_note_owner")),
    )
    with op.batch_alter_table("note_owner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_note_owner_member"), ["member"], unique=False)

    op.create_table(
        "open_data_file",
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["open_data_release.id"],
            name=op.f("fk_open_data_file_release_id_open_data_release"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("release_id", "name", name=op.f("pk_open_data_file")),
    )


def downgrade() -> None:
    op.drop_table("open_data_file")
    with op.batch_alter_table("note_owner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_note_owner_member"))

    op.drop_table("note_owner")
    with op.batch_alter_table("usage_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_outbox_status"))
        batch_op.drop_index(batch_op.f("ix_usage_outbox_next_attempt_at"))

    op.drop_table("usage_outbox")
    op.drop_table("open_data_release")
    with op.batch_alter_table("note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_note_scope"))
        batch_op.drop_index(batch_op.f("ix_note_period_label"))

    op.drop_table("note")
