"""/api/v1/subscriptions: members (or their projects) subscribing to options."""

from __future__ import annotations

from fastapi import Response

from billing.common.access import MemberManager, Reader, visible_members
from billing.common.pagination import Page, PageDep, make_page
from billing.common.schemas import CodeQuery, IdPath, SlugQuery, YearQuery
from billing.subscriptions import repository, service
from billing.subscriptions.schemas import SubscriptionCancel, SubscriptionCreate, SubscriptionPublic
from gipkit.clock import today
from gipkit.db import SessionDep
from gipkit.errors import problem_responses
from gipkit.routing import api_router

router = api_router("/api/v1/subscriptions", tags=["subscriptions"])


@router.get("", response_model=Page[SubscriptionPublic], summary="List subscriptions")
async def list_subscriptions(
    principal: Reader,
    session: SessionDep,
    page: PageDep,
    member: SlugQuery = None,
    year: YearQuery = None,
    prestation: CodeQuery = None,
) -> Page[SubscriptionPublic]:
    rows = await repository.page(
        session,
        page,
        members=visible_members(principal),
        member=member,
        year=year,
        prestation=prestation,
    )
    day = today()
    return make_page(
        rows, page, key=lambda s: s.id or 0, public=lambda s: service.public(s, today=day)
    )


@router.post(
    "",
    status_code=201,
    response_model=SubscriptionPublic,
    summary="Subscribe a member, or one of its projects, to an option",
    description="A member administrator subscribes its own member; a gip-admin any member.",
    responses=problem_responses(404, 409),
)
async def subscribe(
    body: SubscriptionCreate, principal: MemberManager, session: SessionDep, response: Response
) -> SubscriptionPublic:
    row = await service.subscribe(session=session, principal=principal, data=body)
    response.headers["Location"] = f"/api/v1/subscriptions/{row.id}"
    return service.public(row, today=today())


@router.get(
    "/{subscription_id}",
    response_model=SubscriptionPublic,
    summary="A subscription",
    responses=problem_responses(404),
)
async def get_subscription(
    subscription_id: IdPath, principal: Reader, session: SessionDep
) -> SubscriptionPublic:
    found = await service.get_visible(session, principal=principal, id_=subscription_id)
    return service.public(found, today=today())


@router.post(
    "/{subscription_id}/cancel",
    response_model=SubscriptionPublic,
    summary="Cancel a subscription (the days used stay billed)",
    responses=problem_responses(404, 409),
)
async def cancel_subscription(
    subscription_id: IdPath,
    principal: MemberManager,
    session: SessionDep,
    body: SubscriptionCancel | None = None,
) -> SubscriptionPublic:
    found = await service.get_visible(session, principal=principal, id_=subscription_id)
    last_day = (body.last_day if body else None) or today()
    row = await service.cancel(session=session, subscription=found, last_day=last_day)
    return service.public(row, today=today())
