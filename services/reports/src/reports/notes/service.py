"""Generating, finding and reading synthesis notes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from gipkit.auth import Principal
from gipkit.errors import BadGateway, NotFound
from gipkit.types import utcnow
from reports import peers
from reports.common.pagination import Page, PageRequest, next_cursor
from reports.common.periods import Period
from reports.common.scopes import Scope
from reports.composition.canonical import sha256_hex
from reports.composition.compose import InconsistentSources, Sources, compose
from reports.composition.figures import NoteFigures, ScopeInfo
from reports.entitlement import service as entitlement
from reports.entitlement.service import EntitlementCache, Ownership
from reports.notes import repository, sources
from reports.notes.models import Note, NoteOwner
from reports.notes.schemas import NotePublic, NoteSummary, PeriodPublic
from reports.settings import Settings
from reports.usage import service as usage
from reports.usage.models import UsageKind


@dataclass(frozen=True)
class Generated:
    note: Note
    created: bool


def actor(principal: Principal) -> str:
    return principal.client_id or principal.username or principal.subject


async def generate(
    *,
    session: AsyncSession,
    clients: peers.Peers,
    principal: Principal,
    scope: Scope,
    period: Period,
    settings: Settings,
    today: date,
    cache: EntitlementCache | None = None,
    trigger: str = "request",
) -> Generated:
    """A note of `scope` over `period`: a new one, or the stored one with the same figures.

    Ownership and entitlement are judged on the period's last day (or today, for a period
    still running): a note describes a subscribed period."""
    on = min(period.end, today)
    ownership = await entitlement.resolve(clients=clients, principal=principal, scope=scope, on=on)
    billed = await entitlement.entitled_member(
        clients=clients,
        principal=principal,
        ownership=ownership,
        prestation=settings.notes_prestation,
        on=on,
        cache=cache,
    )
    fetched = await sources.fetch(clients=clients, scope=scope, period=period)
    try:
        figures = compose(
            scope=ScopeInfo(id=str(scope), kind=scope.kind.value, label=ownership.label),
            period=period,
            sources=fetched,
            threshold=settings.secrecy_threshold,
            top_services=settings.top_services,
        )
    except InconsistentSources as exc:
        raise BadGateway(f"measure answered figures that do not make one note: {exc}") from exc
    digest = sha256_hex(figures)
    found = await repository.same_figures(
        session,
        scope=str(scope),
        period_label=period.label,
        method_version=figures.method_version,
        sha256=digest,
    )
    if found is not None:
        return Generated(found, created=False)
    note = _note(
        scope=scope,
        period=period,
        ownership=ownership,
        figures=figures,
        digest=digest,
        fetched=fetched,
        settings=settings,
        trigger=trigger,
        created_by=actor(principal),
    )
    try:
        async with session.begin_nested():
            session.add(note)
            await session.flush()
            assert note.seq is not None
            for member in ownership.owners:
                session.add(NoteOwner(note_seq=note.seq, member=member))
            if billed is not None:
                usage.enqueue(
                    session,
                    kind=UsageKind.note_generated,
                    member=billed,
                    prestation=settings.notes_prestation,
                    reference=note.id,
                    occurred_at=note.created_at,
                )
            await session.flush()
    except IntegrityError:
        # The same note was stored by a concurrent request: that one stands, and is billed.
        found = await repository.same_figures(
            session,
            scope=str(scope),
            period_label=period.label,
            method_version=figures.method_version,
            sha256=digest,
        )
        if found is None:
            raise
        return Generated(found, created=False)
    return Generated(note, created=True)


def _note(
    *,
    scope: Scope,
    period: Period,
    ownership: Ownership,
    figures: NoteFigures,
    digest: str,
    fetched: Sources,
    settings: Settings,
    trigger: str,
    created_by: str,
) -> Note:
    asked = sources.queries(scope, period)
    return Note(
        id=uuid.uuid4().hex,
        scope=str(scope),
        scope_kind=scope.kind.value,
        scope_label=ownership.label[:255],
        project=ownership.project,
        period_kind=period.kind.value,
        period_label=period.label,
        date_from=period.start,
        date_to=period.end,
        method_version=figures.method_version,
        # Every hit accepted before the earliest cut-off is counted in every breakdown.
        data_cutoff=min(a.data_cutoff for a in fetched.all()),
        figures_sha256=digest,
        figures=figures.model_dump(mode="json"),
        inputs={
            "scope": str(scope),
            "period": {
                "kind": period.kind.value,
                "label": period.label,
                "from": period.start.isoformat(),
                "to": period.end.isoformat(),
            },
            "owners": list(ownership.owners),
            "secrecy_threshold": settings.secrecy_threshold,
            "top_services": settings.top_services,
            "queries": [q.public() for q in asked],
        },
        sources=sources.dump(fetched),
        trigger=trigger,
        created_by=created_by[:255],
        created_at=utcnow(),
    )


@dataclass(frozen=True)
class Readable:
    note: Note
    billed: str | None  # the member whose subscription let the caller read it


async def readable(
    *,
    session: AsyncSession,
    clients: peers.Peers,
    principal: Principal,
    note_id: str,
    settings: Settings,
    today: date,
    cache: EntitlementCache | None = None,
) -> Readable:
    """The note if the caller may read it now: its tenant's (else 404) and, for member roles
    and partners, subscribed today (else 403 naming the prestation)."""
    note = await repository.by_id(session, note_id)
    if note is None:
        raise NotFound("note not found", fr="note introuvable")
    if principal.is_platform:
        return Readable(note, None)
    owners = await repository.owners(session, note)
    if not set(owners) & set(principal.organizations):
        raise NotFound("note not found", fr="note introuvable")
    scope = Scope.parse(note.scope)
    billed = await entitlement.entitled_member(
        clients=clients,
        principal=principal,
        ownership=Ownership(scope, note.scope_label, owners, note.project),
        prestation=settings.notes_prestation,
        on=today,
        cache=cache,
    )
    return Readable(note, billed)


def may_be_metered(principal: Principal) -> bool:
    """Whether the caller's reads of notes are metered (when its member is billed)."""
    return not principal.is_platform and principal.has_role("partner")


def record_pull(
    session: AsyncSession, *, principal: Principal, readable: Readable, settings: Settings
) -> bool:
    """A partner's pull of a note is metered (queued in the request's transaction)."""
    if not may_be_metered(principal) or readable.billed is None:
        return False
    usage.enqueue(
        session,
        kind=UsageKind.partner_pull,
        member=readable.billed,
        prestation=settings.notes_prestation,
        reference=readable.note.id,
        occurred_at=utcnow(),
    )
    return True


def summary(note: Note) -> NoteSummary:
    return NoteSummary(
        id=note.id,
        scope=note.scope,
        scope_label=note.scope_label,
        period=PeriodPublic(
            kind=note.period_kind, label=note.period_label, start=note.date_from, end=note.date_to
        ),
        method_version=note.method_version,
        data_cutoff=note.data_cutoff,
        figures_sha256=note.figures_sha256,
        trigger=note.trigger,
        created_at=note.created_at,
    )


def public(note: Note) -> NotePublic:
    return NotePublic(
        **summary(note).model_dump(),
        inputs=note.inputs,
        figures=NoteFigures.model_validate(note.figures),
    )


async def page(
    *,
    session: AsyncSession,
    principal: Principal,
    request: PageRequest,
    scope: str | None,
    period_label: str | None,
    period_kind: str | None,
    member: str | None,
) -> Page[NoteSummary]:
    if scope is not None:
        scope = str(Scope.parse(scope))
    rows = await repository.page(
        session,
        request,
        organizations=None if principal.is_platform else principal.organizations,
        scope=scope,
        period_label=period_label,
        period_kind=period_kind,
        member=member,
    )
    keys = [r.seq or 0 for r in rows]
    return Page(
        items=[summary(r) for r in rows[: request.limit]], next_cursor=next_cursor(keys, request)
    )
