"""tenants' own commands for `python -m tenants`: reconcile and demo."""

from __future__ import annotations

import argparse
import asyncio
import json

from gipkit.db import Database
from tenants import demo
from tenants.idp.deps import keycloak_from_settings
from tenants.members import service as members
from tenants.settings import Settings


async def _reconcile(settings: Settings) -> members.ReconcileReport:
    database = Database.from_url(settings.database_url)
    idp = keycloak_from_settings(settings)
    try:
        async with database.sessionmaker() as session:
            report = await members.reconcile(session=session, idp=idp)
            await session.commit()
            return report
    finally:
        await idp.aclose()
        await database.dispose()


def reconcile(_args: argparse.Namespace) -> int:
    """Provision pending members in the IdP. Exit 1 while some stay pending (for a CronJob
    or a retry loop to notice), 0 when none is left."""
    report = asyncio.run(_reconcile(Settings()))
    print(
        json.dumps(
            {
                "checked": report.checked,
                "provisioned": report.provisioned,
                "pending": report.pending,
            }
        )
    )
    return 1 if report.pending else 0


COMMANDS = {
    "reconcile": (
        "provision in the IdP the members it could not take (idempotent)",
        lambda _parser: None,
        reconcile,
    ),
    "demo": ("load the demo register through the API (idempotent)", demo.add_arguments, demo.run),
}
