"""OpenAPI post-processing so that the published document says what the service answers.

FastAPI documents request-validation failures with its own `HTTPValidationError` shape; we
answer problem+json, so every 422 is rewritten to `Problem`, and every operation that needs a
bearer token declares 401 and 403. Routes then only declare what is specific to them.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from gipkit.errors import PROBLEM_MEDIA_TYPE, Problem, problem_responses

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _problem_content() -> dict[str, Any]:
    return {
        PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF},
        "application/json": {"schema": _PROBLEM_REF},
    }


def _declared(code: int) -> dict[str, Any]:
    entry = problem_responses(code)[code]
    return {"description": entry["description"], "content": _problem_content()}


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            servers=app.servers,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        for name, sub in components["Problem"].pop("$defs", {}).items():
            components.setdefault(name, sub)
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                responses = operation["responses"]
                has_input = bool(operation.get("parameters") or operation.get("requestBody"))
                if "422" in responses or has_input:
                    responses["422"] = _declared(422)
                if operation.get("security"):
                    responses.setdefault("401", _declared(401))
                    responses.setdefault("403", _declared(403))
                for code, response in responses.items():
                    if code.startswith(("4", "5")) and "content" in response:
                        response["content"] = _problem_content()
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
