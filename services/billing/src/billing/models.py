"""The registry of this service's tables: its own metadata, separate from other services'."""

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

table_registry = registry()


class TableBase(SQLModel, registry=table_registry):
    """Base of every table model of billing."""


metadata = table_registry.metadata
