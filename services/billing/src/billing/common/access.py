"""Who may call what (DESIGN.md §2 and issue "billing"), as FastAPI dependencies.

Tenant scoping (own member only, another's object → 404) is decided per object with
`Principal.ensure_can_see`, or by filtering lists on `visible_members`.
"""

from typing import Annotated

from fastapi import Depends

from gipkit.auth import GIP_ADMIN, MEMBER_ADMIN, MEMBER_VIEWER, SERVICE, Principal, require_roles

# Reads: the platform (every member) and a member's own people (their member only).
Reader = Annotated[
    Principal, Depends(require_roles(GIP_ADMIN, SERVICE, MEMBER_ADMIN, MEMBER_VIEWER))
]
# A member's people, not machines: invoices and their PDFs, balances.
PersonReader = Annotated[Principal, Depends(require_roles(GIP_ADMIN, MEMBER_ADMIN, MEMBER_VIEWER))]
# A member administrator subscribes and cancels its own; simulates for its own member.
MemberManager = Annotated[Principal, Depends(require_roles(GIP_ADMIN, MEMBER_ADMIN))]
# The catalogue, runs, approval, invoices, credit notes and payments are the GIP's.
Admin = Annotated[Principal, Depends(require_roles(GIP_ADMIN))]
# Other services: entitlements and usage.
Service = Annotated[Principal, Depends(require_roles(SERVICE))]
ServiceOrAdmin = Annotated[Principal, Depends(require_roles(SERVICE, GIP_ADMIN))]


def visible_members(principal: Principal) -> frozenset[str] | None:
    """The member slugs whose rows `principal` may see; None means every member."""
    return None if principal.is_platform else frozenset(principal.organizations)
