"""Sealed cookie values: small JSON documents under authenticated encryption (AES-256-GCM).

The browser keeps them but can neither read nor alter them, and every gateway replica that holds
the same secret opens them — which is what lets the console run on several replicas, and
survive their restarts, without a session store of its own.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import zlib
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = b"\x01"
_NONCE = 12
_TAG = 16


def _aead(secret: str) -> AESGCM:
    # A key of its own for this one use, derived from the configured secret (which may be any
    # length and is never used as a key directly).
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"gip-console cookies v1"
    ).derive(secret.encode())
    return AESGCM(key)


class Sealer:
    """Seals with `secret`; opens what `secret` or one of `previous` sealed, so that the
    secret can be rotated without ending every session: values sealed before are opened, and
    sealed anew with the new secret when next written."""

    def __init__(self, secret: str, *previous: str) -> None:
        self._aead = _aead(secret)
        self._openers = [self._aead, *(_aead(p) for p in previous if p)]

    def seal(self, purpose: str, value: dict[str, Any]) -> str:
        """`value` as cookie-safe text. `purpose` is bound to it: a value sealed for one
        cookie does not open as another's."""
        nonce = os.urandom(_NONCE)
        data = zlib.compress(json.dumps(value, separators=(",", ":")).encode())
        box = _VERSION + nonce + self._aead.encrypt(nonce, data, purpose.encode())
        return base64.urlsafe_b64encode(box).rstrip(b"=").decode("ascii")

    def open(self, purpose: str, text: str) -> dict[str, Any] | None:
        """The value sealed as `text` for `purpose`; None when it was not (altered, truncated,
        sealed with another secret or for another purpose)."""
        try:
            box = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            return None
        if len(box) < 1 + _NONCE + _TAG or box[:1] != _VERSION:
            return None
        nonce, sealed = box[1 : 1 + _NONCE], box[1 + _NONCE :]
        for aead in self._openers:
            try:
                data = aead.decrypt(nonce, sealed, purpose.encode())
                break
            except InvalidTag:
                continue
        else:
            return None
        # Authentic: this gateway compressed and wrote it, so it is read whole.
        value = json.loads(zlib.decompress(data))
        return value if isinstance(value, dict) else None
