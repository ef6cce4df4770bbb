"""Entitlement answers for other services."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class Entitlement(BaseModel):
    member: str
    project: str | None
    prestation: str
    on: date
    entitled: bool
    reason: str
    subscription_id: int | None = None
