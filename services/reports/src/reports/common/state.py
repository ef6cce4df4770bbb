"""What routers take from the application: peer clients, settings, the entitlement cache."""

from __future__ import annotations

from typing import cast

from fastapi import Request

from reports import peers
from reports.entitlement.service import EntitlementCache
from reports.settings import Settings


def clients(request: Request) -> peers.Peers:
    return cast(peers.Peers, request.app.state.peers)


def settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def entitlement_cache(request: Request) -> EntitlementCache | None:
    return cast(EntitlementCache | None, getattr(request.app.state, "entitlement_cache", None))
