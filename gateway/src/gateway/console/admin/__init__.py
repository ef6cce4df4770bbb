"""The GIP administrator's pages: members, ENT projects and their establishments, allocation
runs, catalogue, invoices and payments, open data. Each calls the services' APIs with the
user's token; the APIs decide what is allowed."""

from fastapi import APIRouter

from gateway.console.admin import (
    allocations,
    catalogue,
    invoices,
    members,
    open_data,
    projects,
)

router = APIRouter()
for module in (members, projects, allocations, catalogue, invoices, open_data):
    router.include_router(module.router)
