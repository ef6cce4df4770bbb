"""The registry of this service's tables: its own metadata, separate from other services'.

Constraint names follow one convention so that migrations name them the same way on SQLite
and PostgreSQL (Alembic compares them by name).
"""

from sqlalchemy import MetaData
from sqlalchemy.orm import registry
from sqlmodel import SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

table_registry = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


class TableBase(SQLModel, registry=table_registry):
    """Base of every table model of billing."""


metadata = table_registry.metadata

# Every domain's tables register themselves on `metadata` when imported: import them here so
# that Alembic and the migration test see the whole schema. (At the bottom: they need TableBase.)
from billing import tables as _tables  # noqa: E402, F401
