"""Partners pull indicators through reports: the notes' rules (tenant, subscription) and
metering apply, and reports asks measure as itself."""

from __future__ import annotations

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from gipkit.auth import PARTNER, Principal
from gipkit.types import utcnow
from reports import peers
from reports.common.periods import Period
from reports.common.scopes import Scope
from reports.entitlement import service as entitlement
from reports.entitlement.service import EntitlementCache
from reports.settings import Settings
from reports.usage import service as usage
from reports.usage.models import UsageKind


async def pull(
    *,
    session: AsyncSession,
    clients: peers.Peers,
    principal: Principal,
    scope: Scope,
    period: Period,
    group_by: str | None,
    compare: bool,
    settings: Settings,
    today: date,
    cache: EntitlementCache | None = None,
) -> tuple[peers.Indicators, bool]:
    """The indicators, and whether the pull was metered (a partner's)."""
    ownership = await entitlement.resolve(
        clients=clients, principal=principal, scope=scope, on=min(period.end, today)
    )
    billed = await entitlement.entitled_member(
        clients=clients,
        principal=principal,
        ownership=ownership,
        prestation=settings.notes_prestation,
        on=today,
        cache=cache,
    )
    answer = await peers.indicators(
        clients,
        scope=str(scope),
        date_from=period.start,
        date_to=period.end,
        group_by=group_by,
        compare=compare,
    )
    metered = not principal.is_platform and principal.has_role(PARTNER) and billed is not None
    if metered:
        assert billed is not None
        reference = f"indicators {scope} {period.label} {group_by or 'total'}"
        usage.enqueue(
            session,
            kind=UsageKind.partner_pull,
            member=billed,
            prestation=settings.notes_prestation,
            reference=reference[:100],
            occurred_at=utcnow(),
        )
    return answer, metered
