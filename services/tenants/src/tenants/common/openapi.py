"""What gipkit's OpenAPI post-processing leaves out, declared for tenants' operations.

An operation with a request body answers 400 when the body is not JSON at all (FastAPI
refuses it before validation); the document must say so.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from gipkit.errors import PROBLEM_MEDIA_TYPE

_PROBLEM = {"$ref": "#/components/schemas/Problem"}
_BAD_REQUEST = {
    "description": "The body cannot be parsed",
    "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM}, "application/json": {"schema": _PROBLEM}},
}


def install_openapi_additions(app: FastAPI) -> None:
    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = base()
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if isinstance(operation, dict) and "requestBody" in operation:
                    operation["responses"].setdefault("400", _BAD_REQUEST)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
