"""Helpers shared by the end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import httpx
from devstack import Stack

ROOT = Path(__file__).resolve().parents[2]


def client_token(stack: Stack, client_id: str, secret: str | None = None) -> str:
    response = httpx.post(
        f"{stack.idp_url}/realms/gip/protocol/openid-connect/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret or f"{client_id}-secret",
        },
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])
