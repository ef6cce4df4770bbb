"""Who may call what (DESIGN.md §2), as FastAPI dependencies.

Routers declare one of these; tenant scoping (own member only, another's → 404) is then
decided per object with `Principal.ensure_can_see` or by filtering lists on
`Principal.organizations`.
"""

from typing import Annotated

from fastapi import Depends

from gipkit.auth import (
    ENT_INGEST,
    GIP_ADMIN,
    MEMBER_ADMIN,
    MEMBER_VIEWER,
    PARTNER,
    SERVICE,
    Principal,
    require_roles,
)

# Reads: the platform (every tenant) and a member's own people (their tenant only).
Reader = Annotated[
    Principal, Depends(require_roles(GIP_ADMIN, SERVICE, MEMBER_ADMIN, MEMBER_VIEWER))
]
# A member's administrator manages its own users, clients and contact details.
MemberManager = Annotated[Principal, Depends(require_roles(GIP_ADMIN, MEMBER_ADMIN))]
# The register itself (members, establishments, projects) is kept by the GIP.
Admin = Annotated[Principal, Depends(require_roles(GIP_ADMIN))]
# Anyone holding a realm role may read its own member's summary (machine clients included).
AnyRole = Annotated[
    Principal,
    Depends(require_roles(GIP_ADMIN, SERVICE, MEMBER_ADMIN, MEMBER_VIEWER, PARTNER, ENT_INGEST)),
]


def visible_slugs(principal: Principal) -> frozenset[str] | None:
    """The member slugs whose rows `principal` may see; None means every member."""
    return None if principal.is_platform else frozenset(principal.organizations)
