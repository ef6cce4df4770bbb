"""Canonical JSON of a note's figures and its SHA-256 (what makes a note reproducible)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel


def canonical_json(value: BaseModel | Any) -> bytes:
    data = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
    # Sorted keys, no spaces, UTF-8 as is: one byte string for one set of figures.
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def sha256_hex(value: BaseModel | Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()
