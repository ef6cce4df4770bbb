"""The GIP administrator's pages: members, ENT projects and their establishments, allocation
runs. Each calls the services' APIs with the user's token; the APIs decide what is allowed."""

from fastapi import APIRouter

from gateway.console.admin import allocations, members, projects

router = APIRouter()
for module in (members, projects, allocations):
    router.include_router(module.router)
