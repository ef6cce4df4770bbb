"""The registry of this service's tables: its own metadata, separate from other services'.

Seven tables:

* `hits` — raw hits as stored after pseudonymisation (partitioned by month on PostgreSQL,
  see migration 0002); the source every figure can be recomputed from.
* `hit_keys` — the idempotency ledger: one row per (site, event_id) with the fingerprint of
  what was accepted. Separate from `hits` because a unique key on a partitioned table must
  contain the partition key, and event ids are unique per project whatever their timestamp.
* `hit_conflicts` — replays of an event id with other content, kept aside for review.
* `visitor_day_facts` — the rollup's ledger: per project, visitor and Paris day, what that
  visitor-day added to the two tables below (per establishment scope and dimension value, the
  visits begun that day touching the value and the page views), as one text (see
  measure.rollup.ledger). The indicators do not read it: the job reads it back to take a
  visitor-day's old share away before it adds the new one.
* `day_totals` — per project, establishment scope, dimension value and Paris day: visits, page
  views and visitors (with a page view that day). Visits and page views over any range are
  sums of it.
* `visitor_presence` — per project, school year, establishment scope, dimension value and
  visitor: the days of the school year with a page view, as 366 bits (`0`/`1`; day 0 is
  1 September). Exact uniques over any range are the visitors with a `1` inside it (a
  pseudonym lives in one school year, so ranges over several years add their years' counts).
* `rollup_marks` — the (site, visitor, Paris day) whose facts are out of date, a row per batch
  and visitor-day: written with the hits in the ingest transaction, worked off by the rollup
  job (measure.rollup.job).
"""

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Date, Index, Integer, String, Text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from gipkit.types import UTCDateTime, utcnow

table_registry = registry()
DAYS_TYPE = String(366).with_variant(postgresql.BIT(366), "postgresql")


def key_text(length: int) -> String:
    """A key's text column. On PostgreSQL in the "C" collation: keys (site ids, event ids,
    pseudonyms, codes) are ASCII, compared byte by byte rather than through the database's
    locale (strcoll), which made every index insert and lookup dearer (migration 0009). SQLite
    compares bytes already."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class TableBase(SQLModel, registry=table_registry):
    """Base of every table model of measure."""


class Hit(TableBase, table=True):
    __tablename__ = "hits"
    # The key is the order the rollup reads a visitor's hits in (one index, not two: the
    # ledger already keeps event ids unique); on PostgreSQL it holds `ts`, the partition key.
    __table_args__ = ({"postgresql_partition_by": "RANGE (ts)"},)

    site: str = Field(sa_column=Column(key_text(6), primary_key=True))
    visitor: str = Field(sa_column=Column(key_text(32), primary_key=True))
    ts: datetime = Field(sa_column=Column(UTCDateTime, primary_key=True))
    event_id: str = Field(sa_column=Column(key_text(64), primary_key=True))
    uai: str = Field(sa_column=Column(String(8), nullable=False))
    profile: str = Field(sa_column=Column(String(2), nullable=False))
    service: str = Field(sa_column=Column(String(2), nullable=False))
    page: str = Field(sa_column=Column(String(512), nullable=False))
    device: str = Field(sa_column=Column(String(8), nullable=False))
    os: str = Field(sa_column=Column(String(10), nullable=False))
    browser: str = Field(sa_column=Column(String(40), nullable=False))
    inside: str = Field(sa_column=Column(String(8), nullable=False))
    received_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class HitKey(TableBase, table=True):
    __tablename__ = "hit_keys"
    # No index on `ts`: only the retention job asks by it, once a day; each batch would pay.

    site: str = Field(sa_column=Column(key_text(6), primary_key=True))
    event_id: str = Field(sa_column=Column(key_text(64), primary_key=True))
    fingerprint: str = Field(sa_column=Column(String(32), nullable=False))
    ts: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class HitConflict(TableBase, table=True):
    __tablename__ = "hit_conflicts"
    __table_args__ = (Index("ix_hit_conflicts_site_event", "site", "event_id"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    site: str = Field(sa_column=Column(String(6), nullable=False))
    event_id: str = Field(sa_column=Column(String(64), nullable=False))
    ts: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime))
    # The refused hit as it would have been stored (pseudonymised), as JSON.
    content: str = Field(sa_column=Column(Text, nullable=False))


class VisitorDayFact(TableBase, table=True):
    __tablename__ = "visitor_day_facts"

    site: str = Field(sa_column=Column(key_text(6), primary_key=True))
    visitor: str = Field(sa_column=Column(key_text(32), primary_key=True))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    facts: str = Field(sa_column=Column(Text, nullable=False))


class DayTotal(TableBase, table=True):
    __tablename__ = "day_totals"

    site: str = Field(sa_column=Column(key_text(6), primary_key=True))
    uai: str = Field(sa_column=Column(key_text(8), primary_key=True))
    dim: str = Field(sa_column=Column(key_text(8), primary_key=True))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    value: str = Field(sa_column=Column(key_text(10), primary_key=True))
    visits: int = Field(sa_column=Column(Integer, nullable=False))
    page_views: int = Field(sa_column=Column(Integer, nullable=False))
    visitors: int = Field(sa_column=Column(Integer, nullable=False))


class VisitorPresence(TableBase, table=True):
    __tablename__ = "visitor_presence"
    # The job reads and rewrites a visitor's strings; the indicators go by the primary key.
    __table_args__ = (Index("ix_presence_visitor", "site", "visitor"),)

    site: str = Field(sa_column=Column(key_text(6), primary_key=True))
    school_year: int = Field(sa_column=Column(Integer, primary_key=True))  # its first year
    uai: str = Field(sa_column=Column(key_text(8), primary_key=True))
    dim: str = Field(sa_column=Column(key_text(8), primary_key=True))
    value: str = Field(sa_column=Column(key_text(10), primary_key=True))
    visitor: str = Field(sa_column=Column(key_text(32), primary_key=True))
    # bit(366) on PostgreSQL (51 bytes, where the text takes 370), text elsewhere.
    days: str = Field(sa_column=Column(DAYS_TYPE, nullable=False))


class RollupMark(TableBase, table=True):
    """One row per batch and visitor-day it touched: appended, never updated, so that writing
    one never waits for the job (see measure.rollup.marks)."""

    __tablename__ = "rollup_marks"
    # No index but the id: the queue stays short, and every index is paid for by each batch.

    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    site: str = Field(sa_column=Column(String(6), nullable=False))
    visitor: str = Field(sa_column=Column(String(32), nullable=False))
    day: date = Field(sa_column=Column(Date, nullable=False))
    # When the hits it stands for arrived: the oldest left is the indicators' `data_cutoff`.
    marked_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


metadata = table_registry.metadata
