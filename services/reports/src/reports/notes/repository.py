"""Queries of stored notes (there is no update: notes are immutable)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from reports.common.pagination import PageRequest
from reports.notes.models import Note, NoteOwner


async def by_id(session: AsyncSession, note_id: str) -> Note | None:
    return (await session.exec(select(Note).where(Note.id == note_id))).first()


async def owners(session: AsyncSession, note: Note) -> tuple[str, ...]:
    query = select(NoteOwner.member).where(NoteOwner.note_seq == note.seq)
    return tuple(sorted((await session.exec(query)).all()))


async def same_figures(
    session: AsyncSession, *, scope: str, period_label: str, method_version: str, sha256: str
) -> Note | None:
    query = select(Note).where(
        Note.scope == scope,
        Note.period_label == period_label,
        Note.method_version == method_version,
        Note.figures_sha256 == sha256,
    )
    return (await session.exec(query)).first()


async def exists_for(session: AsyncSession, *, scope: str, period_label: str) -> bool:
    query = select(Note.seq).where(Note.scope == scope, Note.period_label == period_label)
    return (await session.exec(query.limit(1))).first() is not None


async def page(
    session: AsyncSession,
    request: PageRequest,
    *,
    organizations: Collection[str] | None,
    scope: str | None = None,
    period_label: str | None = None,
    period_kind: str | None = None,
    member: str | None = None,
) -> Sequence[Note]:
    """Newest first; `organizations` None means every tenant's notes."""
    query = select(Note)
    if organizations is not None:
        visible = select(NoteOwner.note_seq).where(col(NoteOwner.member).in_(list(organizations)))
        query = query.where(col(Note.seq).in_(visible))
    if member is not None:
        owned = select(NoteOwner.note_seq).where(NoteOwner.member == member)
        query = query.where(col(Note.seq).in_(owned))
    if scope is not None:
        query = query.where(Note.scope == scope)
    if period_label is not None:
        query = query.where(Note.period_label == period_label)
    if period_kind is not None:
        query = query.where(Note.period_kind == period_kind)
    if request.before is not None:
        query = query.where(col(Note.seq) < request.before)
    query = query.order_by(col(Note.seq).desc()).limit(request.limit + 1)
    return (await session.exec(query)).all()
