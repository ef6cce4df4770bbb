"""Is member M (or its project P) entitled to prestation X on day D?

Options: a live subscription covering D, of the member itself (covers all its projects) or
of that project. The base service: every member allocated in the year's latest computed run.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from billing.allocations.models import AllocationLine, AllocationRun, RunStatus
from billing.catalogue import repository as catalogue
from billing.entitlements.schemas import Entitlement
from billing.subscriptions import repository as subscriptions


async def check(
    *, session: AsyncSession, member: str, project: str | None, prestation: str, on: date
) -> Entitlement:
    def answer(entitled: bool, reason: str, sub: int | None = None) -> Entitlement:
        return Entitlement(
            member=member,
            project=project,
            prestation=prestation,
            on=on,
            entitled=entitled,
            reason=reason,
            subscription_id=sub,
        )

    found = await catalogue.prestation(session, on.year, prestation)
    if found is None:
        return answer(False, f"no prestation {prestation} in the {on.year} catalogue")
    if found.kind == "base":
        if await _in_latest_run(session, year=on.year, member=member, prestation=prestation):
            return answer(True, f"member allocated the base service in {on.year}")
        return answer(False, f"{member} is not allocated the base service in {on.year}")
    for sub in await subscriptions.live(
        session, year=on.year, member=member, prestation=prestation
    ):
        covers = sub.starts_on <= on and (sub.ends_on is None or on <= sub.ends_on)
        if covers and (sub.project is None or sub.project == project):
            scope = "the member" if sub.project is None else f"project {sub.project}"
            return answer(True, f"subscription {sub.id} of {scope}", sub.id)
    return answer(False, f"no subscription to {prestation} covers {on.isoformat()}")


async def _in_latest_run(session: AsyncSession, *, year: int, member: str, prestation: str) -> bool:
    live = (RunStatus.draft, RunStatus.approved)
    run_query = (
        select(AllocationRun.id)
        .where(AllocationRun.year == year, col(AllocationRun.status).in_(live))
        # An approved run wins over drafts; then the latest.
        .order_by(
            (col(AllocationRun.status) == RunStatus.approved).desc(),
            col(AllocationRun.id).desc(),
        )
        .limit(1)
    )
    run_id = (await session.exec(run_query)).first()
    if run_id is None:
        return False
    line = select(AllocationLine.id).where(
        AllocationLine.run_id == run_id,
        AllocationLine.member == member,
        AllocationLine.prestation == prestation,
    )
    return (await session.exec(line)).first() is not None
