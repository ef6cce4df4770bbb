"""visitor_presence and day_totals keep free room in their pages (fillfactor), so that the
rollup's updates of a row stay HOT on PostgreSQL: no index entry written, the old version
pruned at once rather than left for VACUUM

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILLFACTOR = {"visitor_presence": 70, "day_totals": 80}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no such setting
    for table, percent in FILLFACTOR.items():
        op.execute(f"ALTER TABLE {table} SET (fillfactor = {percent})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in FILLFACTOR:
        op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
