"""Decisions on subscriptions: who may subscribe what, when, and cancelling."""

from __future__ import annotations

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from billing.catalogue import service as catalogue
from billing.core.prorata import days_between, overlap_days
from billing.subscriptions import repository
from billing.subscriptions.models import Subscription
from billing.subscriptions.schemas import SubscriptionCreate, SubscriptionPublic
from gipkit.auth import Principal
from gipkit.errors import Conflict, Forbidden, NotFound
from gipkit.french import day as day_fr
from gipkit.types import utcnow


def status(sub: Subscription, today: date) -> str:
    if sub.cancelled_at is not None:
        return "cancelled"
    if sub.ends_on is not None and sub.ends_on < today:
        return "ended"
    return "active"


def public(sub: Subscription, *, today: date) -> SubscriptionPublic:
    start, end = date(sub.year, 1, 1), date(sub.year, 12, 31)
    days = 0 if sub.cancelled_at else overlap_days(sub.starts_on, sub.ends_on, start, end)
    return SubscriptionPublic.model_validate(
        {
            **sub.model_dump(),
            "status": status(sub, today),
            "days": days,
            "period_days": days_between(start, end),
        }
    )


async def get_visible(session: AsyncSession, *, principal: Principal, id_: int) -> Subscription:
    found = await repository.by_id(session, id_)
    if found is None:
        raise NotFound("subscription not found", fr="abonnement introuvable")
    principal.ensure_can_see(found.member, "subscription")
    return found


def _overlaps(a: Subscription, start: date, end: date | None) -> bool:
    a_end = a.ends_on or date.max
    return a.starts_on <= (end or date.max) and start <= a_end


async def subscribe(
    *, session: AsyncSession, principal: Principal, data: SubscriptionCreate
) -> Subscription:
    if not principal.is_platform and data.member not in principal.organizations:
        raise Forbidden(
            "a member administrator subscribes its own member only",
            fr="un administrateur de membre n'abonne que son propre membre",
        )
    prestation = await catalogue.get_prestation(session, data.year, data.prestation)
    if prestation.kind != "option":
        raise Conflict(
            f"{data.prestation} is the common base, not an option: no subscription",
            fr=f"{data.prestation} est le socle commun, pas une option : on ne s'y abonne pas",
        )
    start = data.starts_on or date(data.year, 1, 1)
    end = data.ends_on
    year_start, year_end = date(data.year, 1, 1), date(data.year, 12, 31)
    if not year_start <= start <= year_end or (end is not None and not start <= end <= year_end):
        raise Conflict(
            f"a subscription for {data.year} runs inside {data.year}, its start before its end",
            fr=(
                f"un abonnement de {data.year} court dans l'année {data.year}, son début avant sa "
                "fin"
            ),
        )
    for other in await repository.live(
        session, year=data.year, member=data.member, prestation=data.prestation
    ):
        if other.project == data.project and _overlaps(other, start, end):
            raise Conflict(
                f"subscription {other.id} already covers part of these days",
                fr=f"l'abonnement n° {other.id} couvre déjà une partie de ces jours",
            )
    row = Subscription(
        prestation_id=prestation.id or 0,
        year=data.year,
        prestation=data.prestation,
        member=data.member,
        project=data.project,
        starts_on=start,
        ends_on=end,
        created_by=principal.username or principal.subject,
    )
    session.add(row)
    await session.flush()
    return row


async def cancel(
    *, session: AsyncSession, subscription: Subscription, last_day: date
) -> Subscription:
    if subscription.cancelled_at is not None:
        raise Conflict(
            f"subscription {subscription.id} is already cancelled",
            fr=f"l'abonnement n° {subscription.id} est déjà résilié",
        )
    if last_day < subscription.starts_on:
        subscription.cancelled_at = utcnow()  # never started: nothing to bill
    elif subscription.ends_on is not None and subscription.ends_on <= last_day:
        raise Conflict(
            f"subscription {subscription.id} already ends on {subscription.ends_on}",
            fr=(
                f"l'abonnement n° {subscription.id} se termine déjà le "
                f"{day_fr(subscription.ends_on)}"
            ),
        )
    else:
        subscription.ends_on = last_day
    session.add(subscription)
    await session.flush()
    return subscription
