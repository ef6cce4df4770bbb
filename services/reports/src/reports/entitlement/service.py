"""Who a scope belongs to, whether the caller may see it, and whether billing says it is paid.

* A scope's owners are the members it belongs to: a member itself, a project's funders, the
  funders of the project an establishment belongs to on the day asked about. `national`
  belongs to nobody: it is the GIP's common base, for gip-admin only.
* A principal without a platform role sees only scopes its organisation owns; another
  tenant's scope is a 404 (its existence is not disclosed).
* Notes of a scope can be generated or pulled only if billing says one of its owners (the
  caller's organisation, for a member role or a partner) is entitled to the notes option;
  otherwise a 403 that names the missing prestation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from gipkit.auth import Principal
from gipkit.errors import Forbidden, NotFound
from reports import peers
from reports.common.scopes import Scope, ScopeKind

NATIONAL_LABEL = "France entière"
PRESTATION_LABELS = {"notes-synthese": "notes de synthèse"}


@dataclass(frozen=True)
class Ownership:
    scope: Scope
    label: str
    owners: tuple[str, ...]
    project: str | None = None


@dataclass
class EntitlementCache:
    """billing's answers, reused for a short while: a partner pulling twenty notes asks once."""

    ttl_seconds: float
    clock: Callable[[], float] = time.monotonic
    _answers: dict[tuple[str, str | None, str, date], tuple[float, bool]] = field(
        default_factory=dict
    )

    def get(self, key: tuple[str, str | None, str, date]) -> bool | None:
        found = self._answers.get(key)
        if found is None or self.clock() - found[0] >= self.ttl_seconds:
            return None
        return found[1]

    def put(self, key: tuple[str, str | None, str, date], entitled: bool) -> None:
        if self.ttl_seconds > 0:
            if len(self._answers) > 10_000:
                self._answers.clear()
            self._answers[key] = (self.clock(), entitled)


def scope_not_found(scope: Scope) -> NotFound:
    return NotFound(f"scope {scope} not found", fr=f"périmètre {scope} introuvable")


def ensure_visible(principal: Principal, owners: Iterable[str], scope: Scope) -> None:
    if principal.is_platform:
        return
    if scope.kind is ScopeKind.national:
        raise Forbidden(
            "national figures are the GIP's: they need the gip-admin role",
            fr="les chiffres nationaux sont ceux du GIP : il y faut le rôle gip-admin",
        )
    if not set(owners) & set(principal.organizations):
        raise scope_not_found(scope)


async def resolve(
    *, clients: peers.Peers, principal: Principal, scope: Scope, on: date
) -> Ownership:
    """The scope's owners and label, as tenants knows them on `on`; 404 if the caller may not
    see it, 403 for `national` without a platform role."""
    if scope.kind is ScopeKind.national:
        ensure_visible(principal, (), scope)
        return Ownership(scope, NATIONAL_LABEL, ())
    assert scope.value is not None
    if scope.kind is ScopeKind.member:
        ensure_visible(principal, (scope.value,), scope)
        member = await peers.member(clients, scope.value)
        if member is None:
            raise scope_not_found(scope)
        return Ownership(scope, member.name, (member.slug,))
    if scope.kind is ScopeKind.project:
        project = await peers.project(clients, scope.value)
        if project is None:
            raise scope_not_found(scope)
        ensure_visible(principal, project.members, scope)
        return Ownership(scope, project.name, tuple(sorted(project.members)), project.slug)
    return await _establishment(clients=clients, principal=principal, scope=scope, on=on)


async def _establishment(
    *, clients: peers.Peers, principal: Principal, scope: Scope, on: date
) -> Ownership:
    # Only the caller's own projects are searched: another tenant's establishment is a 404
    # without even asking about it.
    if principal.is_platform:
        candidates = await peers.projects(clients)
    else:
        seen: dict[str, peers.Project] = {}
        for organisation in sorted(principal.organizations):
            for project in await peers.projects(clients, member=organisation):
                seen.setdefault(project.slug, project)
        candidates = list(seen.values())
    for project in sorted(candidates, key=lambda p: p.slug):
        for establishment in await peers.project_establishments(
            clients, project=project.slug, on=on
        ):
            if establishment.uai.upper() == scope.value:
                owners = tuple(sorted(project.members))
                ensure_visible(principal, owners, scope)
                return Ownership(scope, establishment.name, owners, project.slug)
    raise scope_not_found(scope)


def missing_prestation(prestation: str, scope: Scope) -> Forbidden:
    label = PRESTATION_LABELS.get(prestation, prestation)
    return Forbidden(
        f"the prestation {prestation} ({label}) is not subscribed for {scope}",
        extra={"prestation": prestation},
        fr=f"la prestation {prestation} ({label}) n'est pas souscrite pour {scope}",
    )


async def entitled_member(
    *,
    clients: peers.Peers,
    principal: Principal,
    ownership: Ownership,
    prestation: str,
    on: date,
    cache: EntitlementCache | None = None,
) -> str | None:
    """The member whose subscription covers the scope (it is the one billed), or 403.
    `national` needs none: it is the common base, and only platform roles reach it."""
    if ownership.scope.kind is ScopeKind.national:
        return None
    owners = ownership.owners
    if not principal.is_platform:
        owners = tuple(o for o in owners if o in principal.organizations)
    for member in owners:
        key = (member, ownership.project, prestation, on)
        entitled = cache.get(key) if cache is not None else None
        if entitled is None:
            answer = await peers.entitlement(
                clients, member=member, project=ownership.project, prestation=prestation, on=on
            )
            entitled = answer.entitled
            if cache is not None:
                cache.put(key, entitled)
        if entitled:
            return member
    raise missing_prestation(prestation, ownership.scope)
