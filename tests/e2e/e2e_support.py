"""Helpers shared by the end-to-end tests."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

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


# --------------------------------------------------------------------------- people and ids

UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # the national register's key alphabet (no I, O, Q)


def uai(digits: str) -> str:
    """A valid UAI of 7 digits: the key letter is the one at index (number mod 23)."""
    return digits + UAI_LETTERS[int(digits) % 23]


def wrong_uai(digits: str) -> str:
    """The same 7 digits with a wrong key letter."""
    right = UAI_LETTERS[int(digits) % 23]
    return digits + next(letter for letter in UAI_LETTERS if letter != right)


def _pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def user_token(stack: Stack, username: str, password: str) -> str:
    """A person's access token, as the console gets it: authorization code + PKCE through the
    dev IdP's login page (the dev IdP has no password grant, as Keycloak's clients here)."""
    oidc = f"{stack.idp_url}/realms/gip/protocol/openid-connect"
    redirect_uri = f"{stack.gateway_url}/console/callback"
    verifier, challenge = _pkce_pair()
    with httpx.Client(timeout=10) as browser:
        page = browser.get(
            f"{oidc}/auth",
            params={
                "client_id": "gip-console",
                "response_type": "code",
                "redirect_uri": redirect_uri,
                "scope": "openid",
                "state": "e2e",
                "nonce": secrets.token_urlsafe(8),
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
            follow_redirects=True,
        )
        assert page.status_code == 200, page.text[:500]
        match = re.search(r'<form id="kc-form-login" method="post" action="([^"]+)"', page.text)
        assert match, page.text[:500]
        action = urljoin(str(page.url), match.group(1).replace("&amp;", "&"))
        step = browser.post(action, data={"username": username, "password": password})
        code = None
        for _ in range(10):
            if step.status_code not in (302, 303):
                break
            location = urljoin(str(step.url), step.headers["location"])
            if location.startswith(redirect_uri):
                code = parse_qs(urlsplit(location).query).get("code", [None])[0]
                break
            step = browser.get(location)
        assert code, f"login of {username} did not come back with a code: {step.text[:500]}"
        answer = browser.post(
            f"{oidc}/token",
            data={
                "grant_type": "authorization_code",
                "client_id": "gip-console",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])
