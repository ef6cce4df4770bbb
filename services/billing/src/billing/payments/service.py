"""Payments against invoices, balances per member, and the ledger for the accountant."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from billing.allocations.present import euros
from billing.common.responses import csv_text
from billing.core.fr import euros_fr
from billing.invoices import service as invoices
from billing.invoices.models import CreditNote, Invoice
from billing.payments import repository
from billing.payments.models import Payment
from billing.payments.schemas import PaymentCreate
from gipkit.errors import Conflict


async def record(
    *, session: AsyncSession, invoice: Invoice, data: PaymentCreate, by: str
) -> Payment:
    state = await invoices.state(session, invoice)
    due = state.balance(invoice)
    if data.amount_cents > due:
        raise Conflict(
            f"{invoice.number}: {due} cents are due, {data.amount_cents} received",
            fr=(
                f"{invoice.number} : {euros_fr(due)} restent dus, {euros_fr(data.amount_cents)} "
                "reçus"
            ),
        )
    payment = Payment(
        invoice_id=invoice.id or 0,
        member=invoice.member,
        received_on=data.received_on,
        amount_cents=data.amount_cents,
        reference=data.reference,
        recorded_by=by,
    )
    session.add(payment)
    await session.flush()
    return payment


@dataclass
class Balance:
    member: str
    invoiced_ttc_cents: int = 0
    credited_ttc_cents: int = 0
    paid_cents: int = 0

    @property
    def balance_cents(self) -> int:
        return self.invoiced_ttc_cents - self.credited_ttc_cents - self.paid_cents


async def _documents(
    session: AsyncSession, *, members: frozenset[str] | None, year: int | None
) -> tuple[list[Invoice], list[CreditNote], list[Payment]]:
    query = select(Invoice)
    if members is not None:
        query = query.where(col(Invoice.member).in_(sorted(members)))
    if year is not None:
        query = query.where(Invoice.year == year)
    found = list((await session.exec(query.order_by(col(Invoice.id)))).all())
    ids = [i.id or 0 for i in found]
    notes: list[CreditNote] = []
    if ids:
        notes_query = select(CreditNote).where(col(CreditNote.invoice_id).in_(ids))
        notes = list((await session.exec(notes_query.order_by(col(CreditNote.id)))).all())
    return found, notes, await repository.all_of(session, ids)


async def balances(
    *, session: AsyncSession, members: frozenset[str] | None, year: int | None
) -> list[Balance]:
    found, notes, paid = await _documents(session, members=members, year=year)
    out: dict[str, Balance] = defaultdict(lambda: Balance(member=""))
    for i in found:
        out[i.member].member = i.member
        out[i.member].invoiced_ttc_cents += i.total_ttc_cents
    for n in notes:
        out[n.member].credited_ttc_cents += n.total_ttc_cents
    for p in paid:
        out[p.member].paid_cents += p.amount_cents
    return [out[m] for m in sorted(out)]


LEDGER_HEADER = (
    "date",
    "document",
    "number",
    "reference",
    "member",
    "ht_eur",
    "tva_eur",
    "ttc_eur",
    "debit_eur",
    "credit_eur",
)


async def ledger_csv(*, session: AsyncSession, year: int | None) -> str:
    """Invoices (debit), credit notes and payments (credit), in the order they happened."""
    found, notes, paid = await _documents(session, members=None, year=year)
    numbers = {i.id: i.number for i in found}
    rows: list[tuple[datetime | date, int, tuple[object, ...]]] = []
    for i in found:
        rows.append(
            (
                i.issued_at,
                0,
                (
                    i.issue_date,
                    "invoice",
                    i.number,
                    f"run {i.run_id}",
                    i.member,
                    euros(i.total_ht_cents),
                    euros(i.total_vat_cents),
                    euros(i.total_ttc_cents),
                    euros(i.total_ttc_cents),
                    "",
                ),
            )
        )
    for n in notes:
        rows.append(
            (
                n.issued_at,
                1,
                (
                    n.issue_date,
                    "credit_note",
                    n.number,
                    numbers.get(n.invoice_id, ""),
                    n.member,
                    euros(-n.total_ht_cents),
                    euros(-n.total_vat_cents),
                    euros(-n.total_ttc_cents),
                    "",
                    euros(n.total_ttc_cents),
                ),
            )
        )
    for p in paid:
        rows.append(
            (
                p.recorded_at,
                2,
                (
                    p.received_on,
                    "payment",
                    p.reference or "",
                    numbers.get(p.invoice_id, ""),
                    p.member,
                    "",
                    "",
                    "",
                    "",
                    euros(p.amount_cents),
                ),
            )
        )
    rows.sort(key=lambda r: (r[0], r[1]))
    return csv_text(LEDGER_HEADER, (r[2] for r in rows))
