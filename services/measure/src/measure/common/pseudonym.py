"""Pseudonymisation at the door (DESIGN.md §3 measure).

`user` becomes HMAC-SHA256(project key, user) truncated to 128 bits. One key per ENT project
and school year (CNIL: no identifier shared across sites; rotation bounds linkability), each
derived from the service's secret so that nothing but the secret has to be kept safe. The raw
id never leaves this function.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache


@lru_cache(maxsize=4096)
def project_key(secret: bytes, site: str, school_year: str) -> bytes:
    return hmac.new(secret, f"project-key:{site}:{school_year}".encode(), hashlib.sha256).digest()


def pseudonym(secret: bytes, *, site: str, school_year: str, user: str) -> str:
    """32 hex characters (128 bits)."""
    key = project_key(secret, site, school_year)
    return hmac.new(key, user.encode(), hashlib.sha256).hexdigest()[:32]
