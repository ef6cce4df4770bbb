"""What the member administrator's pages share: whose pages they are (the user's own member,
or the one a GIP administrator picks), API problems shown next to a form, streamed documents,
the one-line confirmations after a successful form."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from starlette.background import BackgroundTask

from gateway.console.api import ConsoleApi
from gateway.console.deps import require_console_form, require_console_roles
from gateway.console.errors import ApiError
from gateway.console.pages import message_page
from gateway.console.sessions import ConsoleSession
from gipkit.auth import GIP_ADMIN, MEMBER_ADMIN, MEMBER_VIEWER

_FILENAME = re.compile(r'filename="([A-Za-z0-9._-]{1,150})"')
ADMINS = (GIP_ADMIN, MEMBER_ADMIN)
READERS = (GIP_ADMIN, MEMBER_ADMIN, MEMBER_VIEWER)
# A page of a member's administrators (GIP administrators included), its forms, its readers' pages.
AdminSession = Annotated[ConsoleSession, Depends(require_console_roles(*ADMINS))]
AdminForm = Annotated[ConsoleSession, Depends(require_console_form(*ADMINS))]
ReaderSession = Annotated[ConsoleSession, Depends(require_console_roles(*READERS))]
# Documents are rendered on demand (WeasyPrint): longer than an API answer.
DOCUMENT_READ_TIMEOUT = 120.0

STATUS_TITLES = {
    400: "Demande refusée",
    403: "Opération refusée",
    404: "Introuvable",
    409: "Conflit",
    422: "Données refusées",
    502: "Service indisponible",
    503: "Service indisponible",
    504: "Service trop lent",
}


@dataclass(frozen=True)
class MemberContext:
    """The member whose pages these are; `choices` is the picker (empty: nothing to pick)."""

    slug: str
    name: str
    choices: list[tuple[str, str]] = field(default_factory=list)

    def query(self, **extra: Any) -> str:
        params = {"member": self.slug, **{k: v for k, v in extra.items() if v not in (None, "")}}
        return urlencode(params)


class NoMember(Exception):
    """The requested member is not one this user may pick (or there is none)."""


async def member_context(
    api: ConsoleApi, session: ConsoleSession, requested: str | None
) -> MemberContext:
    """A GIP administrator picks any member (default: the first); a member's people get their
    own organisation. Asking for another member is answered as the API would: not found."""
    principal = session.principal
    names: dict[str, str] = {}
    try:
        for m in await api.items("/api/v1/members"):
            names[m["slug"]] = m.get("name") or m["slug"]
    except ApiError:
        pass  # tenants unavailable: slugs stand in for names
    if principal.is_platform:
        choices = sorted(names.items(), key=lambda kv: kv[1].casefold())
        if not choices:
            raise NoMember()
        slug = requested or choices[0][0]
        if slug not in names:
            raise NoMember()
        return MemberContext(slug, names[slug], choices)
    own = list(principal.organizations)
    if not own:
        raise NoMember()
    slug = requested or own[0]
    if slug not in own:
        raise NoMember()
    choices = [(s, names.get(s, s)) for s in own] if len(own) > 1 else []
    return MemberContext(slug, names.get(slug, slug), choices)


def no_member_page(request: Request, session: ConsoleSession) -> HTMLResponse:
    return message_page(
        request,
        session,
        status_code=404,
        title="Membre introuvable",
        message="Ce membre n'existe pas ou ne vous est pas accessible.",
    )


@dataclass(frozen=True)
class FormProblem:
    """An API's problem+json, shown next to the form that caused it."""

    status: int
    title: str
    detail: str
    fields: dict[str, str] = field(default_factory=dict)
    others: list[str] = field(default_factory=list)
    hint: str | None = None

    @classmethod
    def of(
        cls, exc: ApiError, *, hint: str | None = None, known: tuple[str, ...] = ()
    ) -> FormProblem:
        fields: dict[str, str] = {}
        others: list[str] = []
        for name, reason in exc.field_errors:
            if name in known and name not in fields:
                fields[name] = reason
            else:
                others.append(f"{name} : {reason}" if name else reason)
        return cls(
            status=exc.status,
            title=STATUS_TITLES.get(exc.status, "Opération impossible"),
            detail=exc.detail,
            fields=fields,
            others=others,
            hint=hint,
        )

    @classmethod
    def local(cls, detail: str, **fields: str) -> FormProblem:
        """A form refused by the console itself before calling any API."""
        return cls(status=422, title="Formulaire incomplet", detail=detail, fields=fields)

    @property
    def http_status(self) -> int:
        return self.status if 400 <= self.status < 500 else 502


def done(path: str, ctx: MemberContext, ok: str, **extra: Any) -> RedirectResponse:
    """After a successful form: back to the page (303), which says what was done."""
    return RedirectResponse(f"{path}?{ctx.query(ok=ok, **extra)}", status_code=303)


def flash(messages: Mapping[str, str], ok: str | None) -> str | None:
    """The confirmation of `?ok=` (a fixed message per code: no text from the URL is shown)."""
    return messages.get(ok or "")


async def stream_document(
    api: ConsoleApi, path: str, *, accept: str, filename: str
) -> StreamingResponse:
    """The service's document, streamed to the browser as a download. The API decides who may
    read it: its 403/404 reach the user as they are."""
    upstream = await api.download(path, accept=accept, read_timeout=DOCUMENT_READ_TIMEOUT)

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in upstream.aiter_bytes():
                yield chunk
        finally:
            await upstream.aclose()

    # The service's file name when it gives one; always a download, never inline.
    offered = _FILENAME.search(upstream.headers.get("content-disposition", ""))
    name = offered.group(1) if offered else filename
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(
        body(),
        media_type=upstream.headers.get("content-type", accept).split(";")[0],
        headers=headers,
        background=BackgroundTask(upstream.aclose),
    )
