"""/api/v1/idp: keeping the IdP in step with the register."""

from __future__ import annotations

from pydantic import BaseModel, Field

from gipkit.db import SessionDep
from gipkit.routing import api_router
from tenants.common.access import Admin
from tenants.idp.deps import IdpDep
from tenants.members import service as members

router = api_router("/api/v1/idp", tags=["identity provider"])


class ReconcileResult(BaseModel):
    checked: int = Field(description="Members that were pending")
    provisioned: list[str] = Field(description="Slugs now provisioned")
    pending: dict[str, str] = Field(description="Slugs still pending, with the reason")


@router.post(
    "/reconcile",
    response_model=ReconcileResult,
    summary="Provision the members the IdP could not take (idempotent)",
)
async def reconcile(_: Admin, session: SessionDep, idp: IdpDep) -> ReconcileResult:
    report = await members.reconcile(session=session, idp=idp)
    return ReconcileResult(
        checked=report.checked, provisioned=report.provisioned, pending=report.pending
    )
