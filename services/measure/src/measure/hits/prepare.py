"""From what an ENT sent to what is stored: validation against the national codes and
tenants' register, pseudonymisation, user-agent and network classification.

Nothing here writes; a refused hit becomes an `ItemError` and its neighbours go on.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from gipkit.auth import Principal
from measure.common.clock import paris_day, school_year_of
from measure.common.directory import Address, Directory, Network, Project
from measure.common.pseudonym import pseudonym
from measure.common.useragent import classify
from measure.hits.body import unreadable_reason
from measure.hits.schemas import NO_CONTROL, NO_CONTROL_REASON, HitIn, ItemError, service_code


@dataclass(frozen=True)
class Limits:
    secret: bytes
    now: datetime
    max_future: timedelta
    oldest: datetime  # the retention window's start: older hits would be purged at once


# Not frozen: a frozen dataclass sets each field through object.__setattr__, a cost paid for
# every hit of every batch.
@dataclass(slots=True)
class PreparedHit:
    index: int
    site: str
    event_id: str
    ts: datetime
    uai: str
    visitor: str
    profile: str
    service: str
    page: str
    device: str
    os: str
    browser: str
    inside: str
    known_service: bool
    day: date  # the Paris day of `ts`: the visitor-day the rollup recomputes
    fingerprint: str = ""
    ts_text: str = ""  # `ts` in ISO 8601, made once for the fingerprint and the COPY text

    def __post_init__(self) -> None:
        if not self.ts_text:
            self.ts_text = self.ts.isoformat()
        if not self.fingerprint:
            self.fingerprint = fingerprint(
                self.ts_text,
                self.uai,
                self.visitor,
                self.profile,
                self.service,
                self.page,
                self.device,
                self.os,
                self.browser,
                self.inside,
            )

    def row(self, received_at: datetime) -> dict[str, Any]:
        return {
            "site": self.site,
            "event_id": self.event_id,
            "ts": self.ts,
            "uai": self.uai,
            "visitor": self.visitor,
            "profile": self.profile,
            "service": self.service,
            "page": self.page,
            "device": self.device,
            "os": self.os,
            "browser": self.browser,
            "inside": self.inside,
            "received_at": received_at,
        }


def fingerprint(*stored: str) -> str:
    """What "the same content" means for a replayed event id: a hash of the stored columns
    but the keys (no raw value enters it). Its text must never change: the ledger keeps it."""
    return hashlib.sha256("\x1f".join(stored).encode()).hexdigest()[:32]


@dataclass
class Prepared:
    hits: list[PreparedHit] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)


def _field_errors(index: int, exc: ValidationError) -> list[ItemError]:
    found = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = error.get("loc") or ()
        name = str(loc[0]) if loc else ""
        reason = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        if error.get("type") == "extra_forbidden":
            reason = "not a field of a hit"
        elif error.get("type") == "string_pattern_mismatch":
            pattern = (error.get("ctx") or {}).get("pattern")
            if pattern == NO_CONTROL:
                reason = NO_CONTROL_REASON
            elif name == "event_id":
                reason = "printable ASCII characters, no space"
        found.append(ItemError(index=index, field=name, reason=reason))
    return found


def may_send_for(principal: Principal, project: Project) -> bool:
    return principal.is_platform or bool(set(principal.organizations) & set(project.members))


async def prepare(
    items: Sequence[Any], *, directory: Directory, principal: Principal, limits: Limits
) -> Prepared:
    out = Prepared()
    valid: list[tuple[int, HitIn]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            reason = unreadable_reason(item) or "a hit is a JSON object"
            out.errors.append(ItemError(index=index, field="", reason=reason))
            continue
        try:
            valid.append((index, HitIn.model_validate(item)))
        except ValidationError as exc:
            out.errors.extend(_field_errors(index, exc))
    checker = _Checker(directory=directory, principal=principal, limits=limits)
    await checker.look_up_projects({hit.site for _, hit in valid})
    checked = [checker.check(index, hit) for index, hit in valid]
    # A hit whose establishment's networks were not known yet is checked again once they are
    # (asked once per establishment): the hits keep their order, which decides which of two
    # hits with one event id is the first.
    waiting = [i for i, outcome in enumerate(checked) if outcome is NEEDS_NETWORKS]
    if waiting:
        await checker.look_up_networks({valid[i][1].uai for i in waiting})
        for i in waiting:
            checked[i] = checker.check(*valid[i])
    for outcome in checked:
        if isinstance(outcome, PreparedHit):
            out.hits.append(outcome)
        else:
            assert isinstance(outcome, ItemError)
            out.errors.append(outcome)
    return out


class _NeedsNetworks:
    """A hit told inside or outside by its establishment's networks, not fetched yet."""


NEEDS_NETWORKS = _NeedsNetworks()


class _Checker:
    """Checks one batch's hits, synchronously: what the directory knows is fetched before
    (projects) or between two passes (networks), each once per batch. What repeats within a
    batch (its establishments on a day, a person's pseudonym, an hour's Paris day) is worked
    out once per batch, not once per hit."""

    def __init__(self, *, directory: Directory, principal: Principal, limits: Limits) -> None:
        self.directory, self.principal, self.limits = directory, principal, limits
        self._latest = limits.now + limits.max_future
        self._projects: dict[str, Project | None] = {}
        self._attached: dict[tuple[str, str, date], bool] = {}
        self._visitors: dict[tuple[str, str, str], str] = {}
        self._networks: dict[str, list[Network]] = {}
        self._addresses: dict[str, Address | None] = {}
        self._days: dict[int, tuple[date, str]] = {}

    async def look_up_projects(self, sites: set[str]) -> None:
        for site in sites:
            project = await self.directory.project_by_site(site)
            if project is not None and not may_send_for(self.principal, project):
                project = None  # another organisation's project is answered as unknown
            self._projects[site] = project

    async def look_up_networks(self, uais: set[str]) -> None:
        for uai in uais:
            self._networks[uai] = await self.directory.networks(uai)

    def _address(self, text: str) -> Address | None:
        """`text` as an address; None if it is not one."""
        if text not in self._addresses:
            try:
                self._addresses[text] = ipaddress.ip_address(text)
            except ValueError:
                self._addresses[text] = None
        return self._addresses[text]

    def _day(self, ts: datetime) -> tuple[date, str]:
        """The Paris day of `ts` (in UTC) and its school year. Paris is a whole number of hours
        from UTC, so the UTC hour decides the day."""
        hour = ts.toordinal() * 24 + ts.hour
        found = self._days.get(hour)
        if found is None:
            day = paris_day(ts)
            found = self._days[hour] = (day, school_year_of(day))
        return found

    def _visitor(self, site: str, school_year: str, user: str) -> str:
        key = (site, school_year, user)
        visitor = self._visitors.get(key)
        if visitor is None:
            visitor = self._visitors[key] = pseudonym(
                self.limits.secret, site=site, school_year=school_year, user=user
            )
        return visitor

    def _inside(self, hit: HitIn, address: Address | None) -> str | None:
        """inside, outside or unknown; None while the establishment's networks are not known."""
        if hit.inside is not None:
            return "inside" if hit.inside else "outside"
        if address is None:
            return "unknown"
        networks = self._networks.get(hit.uai)
        if networks is None:
            return None
        if not networks:
            return "unknown"
        return "inside" if any(address in n for n in networks) else "outside"

    def check(self, index: int, hit: HitIn) -> PreparedHit | ItemError | _NeedsNetworks:
        limits = self.limits
        address = None
        if hit.ip is not None:
            address = self._address(hit.ip)
            if address is None:
                return ItemError(index=index, field="ip", reason="not an IPv4 or IPv6 address")
        ts = hit.ts.astimezone(limits.now.tzinfo)
        if ts > self._latest:
            seconds = int(limits.max_future.total_seconds())
            return ItemError(index=index, field="ts", reason=f"more than {seconds} s in the future")
        if ts < limits.oldest:
            return ItemError(
                index=index, field="ts", reason="older than the retention window of raw hits"
            )
        project = self._projects[hit.site]
        if project is None:
            # Another organisation's project is answered as unknown: its existence is not told.
            return ItemError(
                index=index, field="site", reason="no ENT project of yours has this site id"
            )
        day, school_year = self._day(ts)
        key = (hit.site, hit.uai, day)
        attached = self._attached.get(key)
        if attached is None:
            attached = self._attached[key] = project.attached(hit.uai, day)
        if not attached:
            return ItemError(
                index=index,
                field="uai",
                reason=f"not attached to project {project.slug} on {day.isoformat()}",
            )
        inside = self._inside(hit, address)
        if inside is None:
            return NEEDS_NETWORKS
        service, known = service_code(hit.service)
        client = classify(hit.user_agent)
        return PreparedHit(
            index=index,
            site=hit.site,
            event_id=hit.event_id,
            ts=ts,
            uai=hit.uai,
            visitor=self._visitor(hit.site, school_year, hit.user),
            profile=hit.profile,
            service=service,
            page=hit.page,
            device=client.device,
            os=client.os,
            browser=client.browser,
            inside=inside,
            known_service=known,
            day=day,
        )
