"""/api/v1/invoices and /api/v1/credit-notes: issued documents, their PDFs, corrections."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.concurrency import run_in_threadpool

from billing.allocations import service as runs
from billing.common.access import Admin, PersonReader, visible_members
from billing.common.deps import SettingsDep, who
from billing.common.pagination import Page, PageDep, make_page
from billing.common.responses import PDFResponse, XMLResponse, binary_responses, text_responses
from billing.common.schemas import (
    CREDIT_NOTE_NUMBER_PATTERN,
    INVOICE_NUMBER_PATTERN,
    IdPath,
    SlugQuery,
    YearQuery,
)
from billing.invoices import repository, service
from billing.invoices.facturx import cii_xml
from billing.invoices.models import CreditNote, Invoice
from billing.invoices.pdf import render
from billing.invoices.render import credit_note_document, invoice_document
from billing.invoices.schemas import (
    CreditNoteCreate,
    CreditNoteLinePublic,
    CreditNotePublic,
    InvoiceIssue,
    InvoiceLinePublic,
    InvoicePublic,
    InvoiceUpdate,
    IssueResult,
)
from gipkit.auth import Principal
from gipkit.db import SessionDep
from gipkit.errors import Conflict, NotFound, problem_responses
from gipkit.routing import api_router

router = api_router("/api/v1/invoices", tags=["invoices"])
credit_notes = api_router("/api/v1/credit-notes", tags=["invoices"])
issuing = api_router("/api/v1/allocations", tags=["invoices"])

NumberPath = Annotated[str, Path(pattern=INVOICE_NUMBER_PATTERN, examples=["GIP-2026-000001"])]
CreditNumberPath = Annotated[
    str, Path(pattern=CREDIT_NOTE_NUMBER_PATTERN, examples=["GIP-AV-2026-000001"])
]
IMMUTABLE = "an issued invoice is immutable: correct it with a credit note"


async def invoice_public(session: AsyncSession, invoice: Invoice) -> InvoicePublic:
    st = await service.state(session, invoice)
    lines = await repository.lines(session, invoice.id or 0)
    return InvoicePublic.model_validate(
        {
            **invoice.model_dump(),
            "lines": [InvoiceLinePublic.model_validate(ln) for ln in lines],
            "credited_ttc_cents": st.credited_ttc_cents,
            "paid_cents": st.paid_cents,
            "balance_cents": st.balance(invoice),
            "status": st.status(invoice),
            "credit_notes": st.credit_notes,
        }
    )


async def credit_note_public(session: AsyncSession, note: CreditNote) -> CreditNotePublic:
    invoice = await session.get(Invoice, note.invoice_id)
    lines = await repository.credit_note_lines(session, [note.id or 0])
    return CreditNotePublic.model_validate(
        {
            **note.model_dump(),
            "invoice": invoice.number if invoice else "",
            "lines": [CreditNoteLinePublic.model_validate(ln) for ln in lines],
        }
    )


@issuing.post(
    "/{run_id}/issue",
    response_model=IssueResult,
    summary="Issue the contribution calls of an approved run (those not issued yet)",
    responses=problem_responses(404, 409),
)
async def issue_run(
    run_id: IdPath, principal: Admin, session: SessionDep, settings: SettingsDep
) -> IssueResult:
    run = await runs.get(session, run_id)
    issued, skipped = await service.issue_run(
        session=session, run=run, terms_days=settings.payment_terms_days, by=who(principal)
    )
    return IssueResult(run_id=run_id, issued=issued, skipped=skipped)


@router.post(
    "",
    status_code=201,
    response_model=InvoicePublic,
    summary="Issue one member's contribution call from an approved run",
    responses=problem_responses(404, 409),
)
async def issue_invoice(
    body: InvoiceIssue,
    principal: Admin,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> InvoicePublic:
    run = await runs.get(session, body.run_id)
    invoice = await service.issue(
        session=session,
        run=run,
        member=body.member,
        terms_days=settings.payment_terms_days,
        by=who(principal),
    )
    response.headers["Location"] = f"/api/v1/invoices/{invoice.number}"
    return await invoice_public(session, invoice)


@router.get("", response_model=Page[InvoicePublic], summary="List invoices (a member: its own)")
async def list_invoices(
    principal: PersonReader,
    session: SessionDep,
    page: PageDep,
    member: SlugQuery = None,
    year: YearQuery = None,
) -> Page[InvoicePublic]:
    rows = await repository.page(
        session, page, members=visible_members(principal), member=member, year=year
    )
    items = [await invoice_public(session, r) for r in rows[: page.limit]]
    next_page = make_page(rows, page, key=lambda i: i.id or 0, public=lambda i: i)
    return Page(items=items, next_cursor=next_page.next_cursor)


async def _visible(session: AsyncSession, principal: Principal, number: str) -> Invoice:
    return await service.get_visible(session, principal=principal, number=number)


@router.get(
    "/{number}",
    response_model=InvoicePublic,
    summary="An invoice, with its status and balance",
    responses=problem_responses(404),
)
async def get_invoice(
    number: NumberPath, principal: PersonReader, session: SessionDep
) -> InvoicePublic:
    return await invoice_public(session, await _visible(session, principal, number))


@router.patch(
    "/{number}",
    response_model=InvoicePublic,
    summary="Refused: an issued invoice is immutable (409); issue a credit note",
    responses=problem_responses(404, 409),
)
async def update_invoice(
    number: NumberPath, body: InvoiceUpdate, principal: Admin, session: SessionDep
) -> InvoicePublic:
    await _visible(session, principal, number)
    raise Conflict(IMMUTABLE)


@router.delete(
    "/{number}",
    status_code=204,
    summary="Refused: an issued invoice is immutable (409); issue a credit note",
    responses=problem_responses(404, 409),
)
async def delete_invoice(number: NumberPath, principal: Admin, session: SessionDep) -> Response:
    await _visible(session, principal, number)
    raise Conflict(IMMUTABLE)


@router.get(
    "/{number}/pdf",
    response_class=PDFResponse,
    summary="The invoice as PDF with its embedded Factur-X XML (EN 16931)",
    responses={**binary_responses("application/pdf", "The PDF"), **problem_responses(404)},
)
async def invoice_pdf(
    number: NumberPath, principal: PersonReader, session: SessionDep, settings: SettingsDep
) -> PDFResponse:
    invoice = await _visible(session, principal, number)
    doc = invoice_document(
        invoice, await repository.lines(session, invoice.id or 0), settings.seller
    )
    content = await run_in_threadpool(render, doc)
    return PDFResponse(content, headers={"Content-Disposition": f'inline; filename="{number}.pdf"'})


@router.get(
    "/{number}/factur-x.xml",
    response_class=XMLResponse,
    summary="The invoice's Factur-X XML alone (CII, EN 16931)",
    responses={**text_responses("application/xml", "The XML"), **problem_responses(404)},
)
async def invoice_xml(
    number: NumberPath, principal: PersonReader, session: SessionDep, settings: SettingsDep
) -> XMLResponse:
    invoice = await _visible(session, principal, number)
    doc = invoice_document(
        invoice, await repository.lines(session, invoice.id or 0), settings.seller
    )
    return XMLResponse(cii_xml(doc))


@router.post(
    "/{number}/credit-notes",
    status_code=201,
    response_model=CreditNotePublic,
    summary="Correct an invoice: a credit note referencing it (own gapless series)",
    responses=problem_responses(404, 409),
)
async def create_credit_note(
    number: NumberPath,
    body: CreditNoteCreate,
    principal: Admin,
    session: SessionDep,
    response: Response,
) -> CreditNotePublic:
    invoice = await _visible(session, principal, number)
    note = await service.credit(session=session, invoice=invoice, data=body, by=who(principal))
    response.headers["Location"] = f"/api/v1/credit-notes/{note.number}"
    return await credit_note_public(session, note)


@credit_notes.get("", response_model=Page[CreditNotePublic], summary="List credit notes")
async def list_credit_notes(
    principal: PersonReader, session: SessionDep, page: PageDep
) -> Page[CreditNotePublic]:
    rows = await repository.credit_note_page(session, page, members=visible_members(principal))
    items = [await credit_note_public(session, r) for r in rows[: page.limit]]
    next_page = make_page(rows, page, key=lambda n: n.id or 0, public=lambda n: n)
    return Page(items=items, next_cursor=next_page.next_cursor)


async def _visible_note(session: AsyncSession, principal: Principal, number: str) -> CreditNote:
    note = await repository.credit_note(session, number)
    if note is None:
        raise NotFound(f"credit note {number} not found", fr=f"avoir {number} introuvable")
    principal.ensure_can_see(note.member, "credit note")
    return note


@credit_notes.get(
    "/{number}",
    response_model=CreditNotePublic,
    summary="A credit note",
    responses=problem_responses(404),
)
async def get_credit_note(
    number: CreditNumberPath, principal: PersonReader, session: SessionDep
) -> CreditNotePublic:
    return await credit_note_public(session, await _visible_note(session, principal, number))


@credit_notes.get(
    "/{number}/pdf",
    response_class=PDFResponse,
    summary="The credit note as PDF with its embedded Factur-X XML",
    responses={**binary_responses("application/pdf", "The PDF"), **problem_responses(404)},
)
async def credit_note_pdf(
    number: CreditNumberPath, principal: PersonReader, session: SessionDep, settings: SettingsDep
) -> PDFResponse:
    note = await _visible_note(session, principal, number)
    invoice = await session.get(Invoice, note.invoice_id)
    assert invoice is not None  # a foreign key
    lines = await repository.credit_note_lines(session, [note.id or 0])
    content = await run_in_threadpool(
        render, credit_note_document(note, lines, invoice, settings.seller)
    )
    return PDFResponse(content, headers={"Content-Disposition": f'inline; filename="{number}.pdf"'})


routers: list[APIRouter] = [issuing, router, credit_notes]
