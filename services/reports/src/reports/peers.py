"""Every call reports makes to its peers (measure, billing, tenants), and nothing else.

One module so that paths and shapes can be re-mapped in one place; everything else in reports
works on the small typed answers below. Tests replace these functions.

Errors are gipkit's typed `PeerError`s: unavailable → 503, timeout → 504, any other
unexpected answer → 502 (gipkit's handler). A 404 from tenants about the thing asked for is
an answer (`None`), not an error.

Contracts assumed (issue 7 brief):

* measure `GET /api/v1/indicators?scope=&from=&to=&group_by=&compare=previous_year` →
  `{method_version, data_cutoff, unique_visitors_method, totals|total, groups: [{key, label?,
  visits, unique_visitors, page_views, previous?}], previous: {totals, groups}?}`; measure's
  own `previous_year: {total}` and per-group `previous` are read as well.
* billing `GET /api/v1/entitlements?member=&project=&prestation=&on=` → `{entitled, …}`;
  `POST /api/v1/usage` with `Idempotency-Key`; `GET /api/v1/subscriptions?prestation=&year=`
  (pages of `{member, project, starts_on, ends_on, status}`).
* tenants `GET /api/v1/members/{slug}`, `GET /api/v1/projects/{slug}`,
  `GET /api/v1/projects?member=`, `GET /api/v1/projects/{slug}/establishments?on=`,
  `GET /api/v1/establishments` — pages of `{items, next_cursor}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from gipkit.clock import year_before
from gipkit.http import PeerError, PeerNotFound, ServiceClient

Peers = Mapping[str, ServiceClient]

PAGE_LIMIT = 500
MAX_PAGES = 1000  # a cursor that never ends is a peer's bug, not a reason to loop forever


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


_AnswerT = TypeVar("_AnswerT", bound=_Answer)


# --- measure ---------------------------------------------------------------------------------


class Metrics(_Answer):
    visits: int = 0
    unique_visitors: int = 0
    page_views: int = 0


class IndicatorGroup(Metrics):
    key: str
    label: str | None = None


class Indicators(_Answer):
    """One indicators answer, in the shape reports composes notes from."""

    scope: str
    date_from: date
    date_to: date
    group_by: str | None
    method_version: str
    data_cutoff: datetime
    unique_visitors_method: str
    totals: Metrics
    groups: tuple[IndicatorGroup, ...] = ()
    previous_totals: Metrics | None = None
    previous_groups: tuple[IndicatorGroup, ...] | None = None
    # The days last year's totals cover, where the answer says (measure does): the same
    # period, or only its days so far while it runs.
    previous_from: date | None = None
    previous_to: date | None = None


def _metrics(raw: Mapping[str, Any] | None) -> Metrics:
    raw = raw or {}
    return Metrics(
        visits=int(raw.get("visits") or 0),
        unique_visitors=int(raw.get("unique_visitors") or 0),
        page_views=int(raw.get("page_views") or 0),
    )


def _group(raw: Mapping[str, Any]) -> IndicatorGroup:
    return IndicatorGroup(key=str(raw["key"]), label=raw.get("label"), **_metrics(raw).model_dump())


def _aware(moment: datetime) -> datetime:
    # The contract says UTC; a cut-off without its offset is read as UTC, not local time.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _aligned(key: str, group_by: str | None, previous_start: date, previous_end: date) -> str:
    """The brief's `previous.groups` carry last year's time keys (`2024-10`); they are keyed
    here by the group of this period they compare with (`2025-10`), as measure does."""
    if group_by not in ("month", "day") or not key[:4].isdigit():
        return key
    try:
        first = date.fromisoformat(key if group_by == "day" else f"{key}-01")
    except ValueError:
        return key
    if previous_start.replace(day=1) <= first <= previous_end:
        return f"{int(key[:4]) + 1:04d}{key[4:]}"
    return key


def parse_indicators(
    body: Mapping[str, Any], *, scope: str, date_from: date, date_to: date, group_by: str | None
) -> Indicators:
    """Read an indicators answer in the brief's shape or in measure's own."""
    groups = [g for g in body.get("groups") or [] if isinstance(g, Mapping)]
    previous = body.get("previous") or body.get("previous_year")
    previous_totals: Metrics | None = None
    previous_groups: tuple[IndicatorGroup, ...] | None = None
    previous_from = previous_to = None
    if isinstance(previous, Mapping):
        previous_totals = _metrics(previous.get("totals") or previous.get("total"))
        if previous.get("from") and previous.get("to"):
            previous_from = date.fromisoformat(str(previous["from"]))
            previous_to = date.fromisoformat(str(previous["to"]))
        if isinstance(previous.get("groups"), list):
            start, end = year_before(date_from), year_before(date_to)
            previous_groups = tuple(
                _group(g).model_copy(update={"key": _aligned(str(g["key"]), group_by, start, end)})
                for g in previous["groups"]
                if isinstance(g, Mapping)
            )
        elif any(isinstance(g.get("previous"), Mapping) for g in groups):
            previous_groups = tuple(
                IndicatorGroup(
                    key=str(g["key"]), label=g.get("label"), **_metrics(g["previous"]).model_dump()
                )
                for g in groups
                if isinstance(g.get("previous"), Mapping)
            )
        else:
            previous_groups = ()
    return Indicators(
        scope=scope,
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
        method_version=str(body["method_version"]),
        data_cutoff=_aware(datetime.fromisoformat(str(body["data_cutoff"]).replace("Z", "+00:00"))),
        unique_visitors_method=str(body.get("unique_visitors_method") or "exact"),
        totals=_metrics(body.get("totals") or body.get("total")),
        groups=tuple(_group(g) for g in groups),
        previous_totals=previous_totals,
        previous_groups=previous_groups,
        previous_from=previous_from,
        previous_to=previous_to,
    )


async def indicators(
    peers: Peers,
    *,
    scope: str,
    date_from: date,
    date_to: date,
    group_by: str | None = None,
    compare: bool = False,
) -> Indicators:
    params: dict[str, str] = {
        "scope": scope,
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
    }
    if group_by:
        params["group_by"] = group_by
    if compare:
        params["compare"] = "previous_year"
    body = _object("measure", await peers["measure"].get("/api/v1/indicators", params=params))
    try:
        return parse_indicators(
            body, scope=scope, date_from=date_from, date_to=date_to, group_by=group_by
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PeerError("measure", 200, detail=f"unreadable indicators answer: {exc}") from exc


# --- billing ---------------------------------------------------------------------------------


class Entitlement(_Answer):
    entitled: bool
    prestation: str
    subscription_id: int | None = None


async def entitlement(
    peers: Peers, *, member: str, project: str | None, prestation: str, on: date
) -> Entitlement:
    params = {"member": member, "prestation": prestation, "on": on.isoformat()}
    if project:
        params["project"] = project
    body = _object("billing", await peers["billing"].get("/api/v1/entitlements", params=params))
    return Entitlement(
        entitled=bool(body.get("entitled")),
        prestation=str(body.get("prestation") or prestation),
        subscription_id=body.get("subscription_id"),
    )


def usage_body(
    *,
    member: str,
    prestation: str,
    kind: str,
    quantity: int,
    occurred_at: datetime,
    reference: str,
) -> dict[str, Any]:
    return {
        "member": member,
        "prestation": prestation,
        "kind": kind,
        "quantity": quantity,
        "occurred_at": occurred_at.isoformat(),
        "reference": reference,
    }


async def record_usage(
    peers: Peers,
    *,
    idempotency_key: str,
    member: str,
    prestation: str,
    kind: str,
    quantity: int,
    occurred_at: datetime,
    reference: str,
) -> None:
    """201 (recorded) and 200 (already recorded under this key) are both success."""
    await peers["billing"].post(
        "/api/v1/usage",
        json=usage_body(
            member=member,
            prestation=prestation,
            kind=kind,
            quantity=quantity,
            occurred_at=occurred_at,
            reference=reference,
        ),
        idempotency_key=idempotency_key,
    )


class Subscription(_Answer):
    member: str
    project: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    status: str | None = None


async def subscriptions(peers: Peers, *, prestation: str, year: int) -> list[Subscription]:
    items = await _all_pages(
        peers["billing"], "/api/v1/subscriptions", {"prestation": prestation, "year": str(year)}
    )
    return _validated("billing", Subscription, items)


# --- tenants ---------------------------------------------------------------------------------


class Member(_Answer):
    slug: str
    name: str


class Project(_Answer):
    slug: str
    name: str
    site_id: str | None = None
    members: tuple[str, ...] = ()


class Establishment(_Answer):
    uai: str
    name: str
    commune: str | None = None
    academie: str | None = None


def _project(raw: Mapping[str, Any]) -> Project:
    # The brief says `members` (slugs); tenants answers `funders: [{member, responsible}]`.
    members: list[str] = []
    for m in raw.get("members") or raw.get("funders") or []:
        slug = m.get("member") or m.get("slug") if isinstance(m, Mapping) else m
        if isinstance(slug, str):
            members.append(slug)
    return Project(
        slug=str(raw["slug"]),
        name=str(raw.get("name") or raw["slug"]),
        site_id=raw.get("site_id"),
        members=tuple(members),
    )


async def member(peers: Peers, slug: str) -> Member | None:
    try:
        body = _object("tenants", await peers["tenants"].get(f"/api/v1/members/{slug}"))
    except PeerNotFound:
        return None
    return Member(slug=str(body.get("slug") or slug), name=str(body.get("name") or slug))


async def project(peers: Peers, slug: str) -> Project | None:
    try:
        body = _object("tenants", await peers["tenants"].get(f"/api/v1/projects/{slug}"))
    except PeerNotFound:
        return None
    try:
        return _project(body)
    except (KeyError, TypeError) as exc:
        raise PeerError("tenants", 200, detail=f"unreadable project: {exc}") from exc


async def projects(peers: Peers, *, member: str | None = None) -> list[Project]:
    """Every project, or those a member funds (none when tenants does not know the member)."""
    params = {"member": member} if member else {}
    try:
        items = await _all_pages(peers["tenants"], "/api/v1/projects", params)
    except PeerNotFound:
        return []
    return [_project(i) for i in items]


async def project_establishments(peers: Peers, *, project: str, on: date) -> list[Establishment]:
    try:
        items = await _all_pages(
            peers["tenants"], f"/api/v1/projects/{project}/establishments", {"on": on.isoformat()}
        )
    except PeerNotFound:
        return []
    return _validated("tenants", Establishment, items)


async def establishments(peers: Peers) -> list[Establishment]:
    items = await _all_pages(peers["tenants"], "/api/v1/establishments", {})
    return _validated("tenants", Establishment, items)


def _validated(peer: str, model: type[_AnswerT], items: list[Mapping[str, Any]]) -> list[_AnswerT]:
    try:
        return [model.model_validate(i) for i in items]
    except ValidationError as exc:
        raise PeerError(peer, 200, detail=f"unreadable {model.__name__}: {exc}") from exc


def _object(peer: str, body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise PeerError(peer, 200, detail="expected a JSON object")
    return body


async def _all_pages(
    client: ServiceClient, path: str, params: Mapping[str, str]
) -> list[Mapping[str, Any]]:
    items: list[Mapping[str, Any]] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        query = {**params, "limit": str(PAGE_LIMIT)}
        if cursor:
            query["cursor"] = cursor
        body = _object(client.name, await client.get(path, params=query))
        items.extend(i for i in body.get("items") or [] if isinstance(i, Mapping))
        cursor = body.get("next_cursor")
        if not cursor:
            return items
    raise PeerError(client.name, 200, detail=f"{path}: more than {MAX_PAGES} pages")
