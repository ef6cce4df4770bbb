"""The member administrator's pages: subscriptions, contribution (allocation lines),
invoices, synthesis notes, API clients, users. Each calls the services' APIs with the user's
token; the APIs decide what is shown."""

from fastapi import APIRouter

from gateway.console.member import clients, contribution, invoices, notes, subscriptions, users

router = APIRouter()
for module in (subscriptions, contribution, invoices, notes, clients, users):
    router.include_router(module.router)
