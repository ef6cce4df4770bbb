"""Key text columns in the "C" collation on PostgreSQL: site ids, event ids, pseudonyms,
establishment ids and dimension codes are ASCII, and compared byte by byte they cost less in
every index insert and lookup than through the database's locale (strcoll; a libc locale such
as C.UTF-8 is not PostgreSQL's byte-wise fast path). The order of ASCII text is the same. In a
trial, inserting 1,000 hits cost about 15 % less in the ledger and the raw table each.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table → its key columns and their lengths (the primary keys' text columns).
KEYS = {
    "hits": {"site": 6, "visitor": 32, "event_id": 64},
    "hit_keys": {"site": 6, "event_id": 64},
    "visitor_day_facts": {"site": 6, "visitor": 32},
    "day_totals": {"site": 6, "uai": 8, "dim": 8, "value": 10},
    "visitor_presence": {"site": 6, "uai": 8, "dim": 8, "value": 10, "visitor": 32},
}


def _collate(collation: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite compares bytes already
    for table, columns in KEYS.items():
        # One statement per table: its rows and indexes are rewritten once.
        changes = ", ".join(
            f'ALTER COLUMN {name} TYPE varchar({length}) COLLATE "{collation}"'
            for name, length in columns.items()
        )
        op.execute(f"ALTER TABLE {table} {changes}")


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate("default")
