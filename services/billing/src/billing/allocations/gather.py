"""The inputs of a run: the catalogue, subscriptions, usage and in-kind of the year (ours),
members and key values (tenants, measure). What is fetched is recorded with the run."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from billing import peers
from billing.allocations.models import AllocationRun
from billing.catalogue import repository as catalogue
from billing.catalogue.models import BudgetYear
from billing.core.inputs import MemberIn, PrestationIn, RunInputs, SubscriptionIn
from billing.subscriptions import repository as subscriptions
from billing.usage.models import UsageEvent
from gipkit.http import ServiceClient
from gipkit.types import utcnow


async def local_inputs(session: AsyncSession, run: AllocationRun) -> RunInputs:
    """Everything billing itself knows; members and key values are filled in by `fetch`."""
    year = await catalogue.year(session, run.year)
    assert year is not None  # a run's year is a foreign key
    prestations = await catalogue.prestations(session, run.year)
    subs = await subscriptions.live(session, year=run.year)
    in_kind = await catalogue.in_kinds(session, run.year)
    return RunInputs(
        year=run.year,
        period_start=year.starts_on,
        period_end=year.ends_on,
        reference_date=run.reference_date,
        school_year=year.school_year,
        visits_from=year.visits_from,
        visits_to=year.visits_to,
        shares=dict(run.shares),
        members=[],
        prestations=[
            PrestationIn(
                code=p.code,
                label=p.label,
                kind=p.kind,
                cost_cents=p.cost_cents,
                key=p.key,
                unit_price_cents=p.unit_price_cents,
                vat_rate_bp=p.vat_rate_bp,
                colleges=list(p.colleges),
            )
            for p in prestations
        ],
        subscriptions=[
            SubscriptionIn(
                id=s.id or 0,
                member=s.member,
                project=s.project,
                prestation=s.prestation,
                starts_on=s.starts_on,
                ends_on=s.ends_on,
            )
            for s in subs
        ],
        usage=await _usage(session, year),
        in_kind={k.member: k.amount_cents for k in in_kind},
    )


async def _usage(session: AsyncSession, year: BudgetYear) -> dict[str, dict[str, int]]:
    query = (
        select(UsageEvent.prestation, UsageEvent.member, func.sum(UsageEvent.quantity))
        .where(UsageEvent.year == year.year)
        .group_by(UsageEvent.prestation, UsageEvent.member)
    )
    usage: dict[str, dict[str, int]] = defaultdict(dict)
    for prestation, member, quantity in (await session.exec(query)).all():
        usage[prestation][member] = int(quantity)
    return dict(usage)


def _active(m: peers.PeerMember, start: date, end: date) -> bool:
    return (m.left_on is None or m.left_on >= start) and (m.joined_on is None or m.joined_on <= end)


async def fetch(
    inputs: RunInputs, clients: Mapping[str, ServiceClient], *, page_size: int
) -> RunInputs:
    """Members of the year and their key values, from tenants and measure."""
    registered = await peers.members(clients, page_size=page_size)
    members = [m for m in registered if _active(m, inputs.period_start, inputs.period_end)]
    slugs = sorted(m.slug for m in members)
    keys = {p.key for p in inputs.prestations}
    pupils: dict[str, int] = {}
    visits: dict[str, int] = {}
    sources: dict[str, object] = {"fetched_at": utcnow().isoformat(), "members": len(members)}
    if "students" in keys:
        pupils = await peers.for_each(
            slugs, lambda s: peers.pupils(clients, member=s, school_year=inputs.school_year)
        )
        sources["pupils"] = {"school_year": inputs.school_year, "source": "tenants"}
    if "visits" in keys:
        found = await peers.for_each(
            slugs,
            lambda s: peers.visits(
                clients, member=s, start=inputs.visits_from, end=inputs.visits_to
            ),
        )
        visits = {s: v.visits for s, v in found.items()}
        versions = sorted({v.method_version for v in found.values() if v.method_version})
        cutoffs = sorted({v.data_cutoff for v in found.values() if v.data_cutoff})
        sources["visits"] = {
            "from": inputs.visits_from.isoformat(),
            "to": inputs.visits_to.isoformat(),
            "source": "measure",
            "method_versions": versions,
            "data_cutoff": cutoffs[-1] if cutoffs else None,
        }
    return inputs.model_copy(
        update={
            "members": [
                MemberIn(**m.model_dump(include=set(MemberIn.model_fields))) for m in members
            ],
            "pupils": pupils,
            "visits": visits,
            "sources": sources,
        }
    )
