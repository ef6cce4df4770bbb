"""The registry of this service's tables: its own metadata, separate from other services'.

Five tables:

* `hits` — raw hits as stored after pseudonymisation (partitioned by month on PostgreSQL,
  see migration 0002); the source every figure can be recomputed from.
* `hit_keys` — the idempotency ledger: one row per (site, event_id) with the fingerprint of
  what was accepted. Separate from `hits` because a unique key on a partitioned table must
  contain the partition key, and event ids are unique per project whatever their timestamp.
* `hit_conflicts` — replays of an event id with other content, kept aside for review.
* `visitor_day_facts` — the rollup: per project, establishment scope, Paris day, dimension
  value and visitor, the visits started that day touching the value and the page views.
  Exact uniques over any range are `COUNT(DISTINCT visitor)` over it.
* `rollup_marks` — the (site, visitor, Paris day) whose facts are out of date: written with
  the hits in the ingest transaction, worked off by the rollup job (measure.rollup.job).
"""

from datetime import date, datetime

from sqlalchemy import Column, Date, Index, Integer, String, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from gipkit.types import UTCDateTime, utcnow

table_registry = registry()


class TableBase(SQLModel, registry=table_registry):
    """Base of every table model of measure."""


class Hit(TableBase, table=True):
    __tablename__ = "hits"
    __table_args__ = (
        Index("ix_hits_site_visitor_ts", "site", "visitor", "ts"),
        {"postgresql_partition_by": "RANGE (ts)"},
    )

    site: str = Field(sa_column=Column(String(6), primary_key=True))
    event_id: str = Field(sa_column=Column(String(64), primary_key=True))
    ts: datetime = Field(sa_column=Column(UTCDateTime, primary_key=True))
    uai: str = Field(sa_column=Column(String(8), nullable=False))
    visitor: str = Field(sa_column=Column(String(32), nullable=False))
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
    __table_args__ = (Index("ix_hit_keys_ts", "ts"),)

    site: str = Field(sa_column=Column(String(6), primary_key=True))
    event_id: str = Field(sa_column=Column(String(64), primary_key=True))
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
    # Covering: the indicators read visitor, visits and page views from the index alone.
    __table_args__ = (
        Index(
            "ix_facts_query",
            "site",
            "uai",
            "dim",
            "day",
            "value",
            postgresql_include=["visitor", "visits", "page_views"],
        ),
    )

    site: str = Field(sa_column=Column(String(6), primary_key=True))
    visitor: str = Field(sa_column=Column(String(32), primary_key=True))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    uai: str = Field(sa_column=Column(String(8), primary_key=True))
    dim: str = Field(sa_column=Column(String(8), primary_key=True))
    value: str = Field(sa_column=Column(String(10), primary_key=True))
    visits: int = Field(sa_column=Column(Integer, nullable=False))
    page_views: int = Field(sa_column=Column(Integer, nullable=False))


class RollupMark(TableBase, table=True):
    __tablename__ = "rollup_marks"

    site: str = Field(sa_column=Column(String(6), primary_key=True))
    visitor: str = Field(sa_column=Column(String(32), primary_key=True))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    # When the oldest hit not yet rolled up arrived: the indicators' `data_cutoff`.
    marked_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


metadata = table_registry.metadata
