"""The member administrator's pages: subscriptions, invoices, synthesis notes, API clients,
users. Each calls the services' APIs with the user's token; the APIs decide what is shown."""

from fastapi import APIRouter

from gateway.console.member import clients, invoices, notes, subscriptions, users

router = APIRouter()
for module in (subscriptions, invoices, notes, clients, users):
    router.include_router(module.router)
