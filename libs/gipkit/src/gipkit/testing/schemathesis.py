"""Schemathesis over a service's own OpenAPI, through ASGI, with valid tokens.

The app gets a real migrated database (schemathesis runs the app's lifespan on its own event
loop, so the per-test rollback connection cannot be shared with it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import schemathesis
from fastapi import FastAPI

from gipkit.testing.database import migrated_database_url
from gipkit.testing.tokens import TokenFactory


def api_schema_for(
    *,
    build_app: Callable[[str], FastAPI],
    migrations_dir: Path | None,
    tmp_dir: Path,
    tokens: TokenFactory,
    name: str,
) -> Any:
    """Load the app's OpenAPI for schemathesis. `build_app(database_url)` builds the app."""
    url = ""
    if migrations_dir is not None:
        built = migrated_database_url(name=name, migrations_dir=migrations_dir, tmp_dir=tmp_dir)
        url = built.render_as_string(hide_password=False)
    app = build_app(url)
    app.state.verifier = tokens.verifier()
    return schemathesis.openapi.from_asgi("/openapi.json", app)
