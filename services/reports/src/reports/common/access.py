"""Who may call what, as FastAPI dependencies (tenant scoping is decided per scope/note)."""

from typing import Annotated

from fastapi import Depends

from gipkit.auth import GIP_ADMIN, MEMBER_ADMIN, MEMBER_VIEWER, PARTNER, Principal, require_roles

# Generating a note is billed: the GIP, a member's administrator, a partner of the member.
Generator = Annotated[Principal, Depends(require_roles(GIP_ADMIN, MEMBER_ADMIN, PARTNER))]
# Reading notes: the same, and a member's viewers.
Reader = Annotated[
    Principal, Depends(require_roles(GIP_ADMIN, MEMBER_ADMIN, MEMBER_VIEWER, PARTNER))
]
Admin = Annotated[Principal, Depends(require_roles(GIP_ADMIN))]
