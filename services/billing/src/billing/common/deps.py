"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from billing.settings import Settings


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def who(principal: object) -> str:
    """How a principal is named in the records (created_by, approved_by …)."""
    username = getattr(principal, "username", None)
    subject = getattr(principal, "subject", "")
    return str(username or subject)[:255]
