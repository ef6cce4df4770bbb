"""visitor_presence and day_totals keep free room in their pages (fillfactor), so that the
rollup's updates of a row stay HOT on PostgreSQL: no index entry written, the old version
pruned at once rather than left for VACUUM; rollup_marks, a queue (rows appended, then
deleted), is vacuumed every few thousand dead rows and unthrottled, as queues need

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

SETTINGS = {
    "visitor_presence": {"fillfactor": "70"},
    "day_totals": {"fillfactor": "80"},
    # A scan of the queue (the claim, `data_cutoff`) pays for every dead row not yet vacuumed:
    # the default (20 % of the table, throttled) let 2.3 M pile up under a benchmark's load.
    "rollup_marks": {
        "autovacuum_vacuum_scale_factor": "0",
        "autovacuum_vacuum_threshold": "5000",
        "autovacuum_vacuum_cost_delay": "0",
    },
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no such settings
    for table, settings in SETTINGS.items():
        values = ", ".join(f"{k} = {v}" for k, v in settings.items())
        op.execute(f"ALTER TABLE {table} SET ({values})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, settings in SETTINGS.items():
        op.execute(f"ALTER TABLE {table} RESET ({', '.join(settings)})")
