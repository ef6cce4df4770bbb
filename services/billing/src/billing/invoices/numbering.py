"""Gapless, chronological numbers, allocated inside the issuing transaction.

The series' counter row is incremented with `UPDATE … RETURNING`: on PostgreSQL the row stays
locked until the transaction ends, so concurrent issuers queue on it and take consecutive
numbers; a transaction that fails rolls its increment back with everything else, so no number
is lost. (SQLite serialises writers on the database itself.) The timestamp of issue is taken
after the number: numbers and dates cannot disagree.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from billing.invoices.models import NumberSeries
from gipkit.errors import Conflict

INVOICE_PREFIX = "GIP"
CREDIT_NOTE_PREFIX = "GIP-AV"
WIDTH = 6


async def next_value(session: AsyncSession, series: str) -> int:
    connection = await session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    # The first number of a year creates its counter; concurrent creators do not collide.
    create = dialect.insert(NumberSeries).values(series=series, last_value=0)
    await session.exec(create.on_conflict_do_nothing(index_elements=["series"]))
    bump = (
        update(NumberSeries)
        .where(NumberSeries.series == series)  # type: ignore[arg-type]
        .values(last_value=col(NumberSeries.last_value) + 1)
        .returning(col(NumberSeries.last_value))
    )
    value = int((await session.exec(bump)).scalar_one())
    if value >= 10**WIDTH:
        raise Conflict(
            f"series {series} is exhausted", fr=f"la série de numéros {series} est épuisée"
        )
    return value


async def next_number(session: AsyncSession, *, prefix: str, year: int) -> str:
    series = f"{prefix}-{year}"
    return f"{series}-{await next_value(session, series):0{WIDTH}d}"
