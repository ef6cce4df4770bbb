"""Issuing invoices from an approved run, credit notes, and the state of an invoice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from billing.allocations import repository as runs
from billing.allocations.models import AllocationRun, RunStatus
from billing.core import vat
from billing.core.fr import euros_fr, run_is
from billing.core.inputs import RunInputs
from billing.invoices import numbering, repository
from billing.invoices.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine
from billing.invoices.schemas import CreditNoteCreate
from billing.payments import repository as payments
from gipkit.auth import Principal
from gipkit.clock import paris_day
from gipkit.errors import Conflict, NotFound
from gipkit.types import utcnow


async def get_visible(session: AsyncSession, *, principal: Principal, number: str) -> Invoice:
    found = await repository.by_number(session, number)
    if found is None:
        raise NotFound(f"invoice {number} not found", fr=f"facture {number} introuvable")
    principal.ensure_can_see(found.member, "invoice")
    return found


async def issue(
    *, session: AsyncSession, run: AllocationRun, member: str, terms_days: int, by: str
) -> Invoice:
    """One member's contribution call from an approved run."""
    if run.status != RunStatus.approved:
        raise Conflict(
            f"run {run.id} is {run.status}: invoices are issued from an approved run",
            fr=f"{run_is(run.id, run.status)} : les factures s'émettent sur un calcul approuvé",
        )
    existing = await repository.of_member(session, run.id or 0, member)
    if existing is not None:
        raise Conflict(
            f"{member} was already invoiced for run {run.id}: {existing.number}",
            fr=f"{member} est déjà facturé pour le calcul n° {run.id} : {existing.number}",
        )
    totals_row = next(
        (m for m in await runs.members(session, run.id or 0) if m.member == member), None
    )
    if totals_row is None:
        raise NotFound(
            f"{member} is not in run {run.id}",
            fr=f"{member} ne figure pas dans le calcul n° {run.id}",
        )
    if totals_row.net_cents <= 0:
        raise Conflict(
            f"{member} owes nothing in run {run.id} (in-kind covers its share)",
            fr=(
                f"{member} ne doit rien dans le calcul n° {run.id} (ses apports en nature "
                "couvrent sa part)"
            ),
        )
    lines = [ln for ln in await runs.lines(session, run.id or 0, member=member) if ln.amount_cents]
    catalogue = {p.code: p for p in RunInputs.model_validate(run.inputs).prestations}
    totals = vat.totals((catalogue[ln.prestation].vat_rate_bp, ln.net_cents) for ln in lines)

    # Everything is checked: take the number last, so the counter's lock is held briefly.
    issued_at = utcnow()
    number = await numbering.next_number(
        session, prefix=numbering.INVOICE_PREFIX, year=paris_day(issued_at).year
    )
    issued_at = utcnow()  # after the number: chronological order follows numbering order
    day = paris_day(issued_at)
    invoice = Invoice(
        number=number,
        run_id=run.id or 0,
        year=run.year,
        member=member,
        buyer_name=totals_row.name,
        buyer_siren=totals_row.siren,
        issued_at=issued_at,
        issue_date=day,
        due_date=day + timedelta(days=terms_days),
        total_ht_cents=totals.ht_cents,
        total_vat_cents=totals.vat_cents,
        total_ttc_cents=totals.ttc_cents,
        vat_breakdown=vat.to_json(totals.breakdown),
        issued_by=by,
    )
    try:
        async with session.begin_nested():
            session.add(invoice)
            await session.flush()
            for position, ln in enumerate(sorted(lines, key=lambda x: x.prestation), start=1):
                session.add(
                    InvoiceLine(
                        invoice_id=invoice.id or 0,
                        position=position,
                        prestation=ln.prestation,
                        label=catalogue[ln.prestation].label,
                        vat_rate_bp=catalogue[ln.prestation].vat_rate_bp,
                        gross_cents=ln.amount_cents,
                        in_kind_cents=ln.in_kind_cents,
                        net_cents=ln.net_cents,
                    )
                )
            await session.flush()
    except IntegrityError as exc:
        # Another request issued the same member's invoice meanwhile; this transaction
        # rolls back, its number with it.
        raise Conflict(
            f"{member} was invoiced for run {run.id} concurrently",
            fr=f"{member} vient d'être facturé pour le calcul n° {run.id} par une autre requête",
        ) from exc
    return invoice


async def issue_run(
    *, session: AsyncSession, run: AllocationRun, terms_days: int, by: str
) -> tuple[list[str], dict[str, str]]:
    if run.status != RunStatus.approved:
        raise Conflict(
            f"run {run.id} is {run.status}: invoices are issued from an approved run",
            fr=f"{run_is(run.id, run.status)} : les factures s'émettent sur un calcul approuvé",
        )
    issued, skipped = [], {}
    invoiced = {i.member: i.number for i in await repository.of_run(session, run.id or 0)}
    for totals_row in await runs.members(session, run.id or 0):
        if totals_row.member in invoiced:
            skipped[totals_row.member] = f"already invoiced: {invoiced[totals_row.member]}"
        elif totals_row.net_cents <= 0:
            skipped[totals_row.member] = "nothing to call: in-kind covers its share"
        else:
            invoice = await issue(
                session=session,
                run=run,
                member=totals_row.member,
                terms_days=terms_days,
                by=by,
            )
            issued.append(invoice.number)
    return issued, skipped


@dataclass(frozen=True)
class State:
    credited_ttc_cents: int
    paid_cents: int
    credit_notes: list[str]

    def balance(self, invoice: Invoice) -> int:
        return invoice.total_ttc_cents - self.credited_ttc_cents - self.paid_cents

    def status(self, invoice: Invoice) -> str:
        if self.credited_ttc_cents >= invoice.total_ttc_cents:
            return "credited"
        if self.balance(invoice) <= 0:
            return "paid"
        return "partial" if self.paid_cents > 0 else "unpaid"


async def state(session: AsyncSession, invoice: Invoice) -> State:
    notes = await repository.credit_notes(session, invoice.id or 0)
    paid = sum(p.amount_cents for p in await payments.of_invoice(session, invoice.id or 0))
    return State(
        credited_ttc_cents=sum(n.total_ttc_cents for n in notes),
        paid_cents=paid,
        credit_notes=[n.number for n in notes],
    )


async def credit(
    *,
    session: AsyncSession,
    invoice: Invoice,
    data: CreditNoteCreate,
    by: str,
) -> CreditNote:
    lines = await repository.lines(session, invoice.id or 0)
    notes = await repository.credit_notes(session, invoice.id or 0)
    credited: dict[int, int] = {}
    for cl in await repository.credit_note_lines(session, [n.id or 0 for n in notes]):
        credited[cl.invoice_line_id] = credited.get(cl.invoice_line_id, 0) + cl.amount_cents
    remaining = {ln.prestation: (ln, ln.net_cents - credited.get(ln.id or 0, 0)) for ln in lines}
    wanted = _wanted(data, remaining)
    st = await state(session, invoice)
    totals = vat.credit_totals(
        ((ln.vat_rate_bp, amount) for ln, amount in wanted),
        invoice=vat.from_json(invoice.vat_breakdown),
        credited_before=[v for n in notes for v in vat.from_json(n.vat_breakdown)],
    )
    if totals.ttc_cents > invoice.total_ttc_cents - st.credited_ttc_cents:
        raise Conflict(
            "a credit note cannot credit more than what is left of the invoice",
            fr="un avoir ne peut annuler plus que ce qui reste de la facture",
        )
    issued_at = utcnow()
    number = await numbering.next_number(
        session, prefix=numbering.CREDIT_NOTE_PREFIX, year=paris_day(issued_at).year
    )
    issued_at = utcnow()
    note = CreditNote(
        number=number,
        invoice_id=invoice.id or 0,
        member=invoice.member,
        reason=data.reason,
        issued_at=issued_at,
        issue_date=paris_day(issued_at),
        total_ht_cents=totals.ht_cents,
        total_vat_cents=totals.vat_cents,
        total_ttc_cents=totals.ttc_cents,
        vat_breakdown=vat.to_json(totals.breakdown),
        issued_by=by,
    )
    session.add(note)
    await session.flush()
    for position, (ln, amount) in enumerate(wanted, start=1):
        session.add(
            CreditNoteLine(
                credit_note_id=note.id or 0,
                invoice_line_id=ln.id or 0,
                position=position,
                prestation=ln.prestation,
                label=ln.label,
                vat_rate_bp=ln.vat_rate_bp,
                amount_cents=amount,
            )
        )
    await session.flush()
    return note


def _wanted(
    data: CreditNoteCreate, remaining: dict[str, tuple[InvoiceLine, int]]
) -> Sequence[tuple[InvoiceLine, int]]:
    if data.lines is None:
        wanted = [(ln, left) for ln, left in remaining.values() if left > 0]
        if not wanted:
            raise Conflict(
                "everything on this invoice is already credited",
                fr="tout est déjà annulé par avoir sur cette facture",
            )
        return wanted
    amounts: dict[str, int] = {}
    for cl in data.lines:
        if cl.prestation not in remaining:
            raise Conflict(
                f"the invoice has no line for {cl.prestation}",
                fr=f"la facture n'a pas de ligne pour {cl.prestation}",
            )
        amounts[cl.prestation] = amounts.get(cl.prestation, 0) + cl.amount_cents
    out = []
    for code, amount in sorted(amounts.items()):
        ln, left = remaining[code]
        if amount > left:
            raise Conflict(
                f"only {left} cents of {code} are left to credit",
                fr=f"il ne reste que {euros_fr(left)} de {code} à annuler",
            )
        out.append((ln, amount))
    if not out:
        raise Conflict(
            "a credit note credits at least one line", fr="un avoir porte sur au moins une ligne"
        )
    return out
