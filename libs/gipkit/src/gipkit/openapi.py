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
from gipkit.idempotency import HEADER as IDEMPOTENCY_HEADER

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _problem_content() -> dict[str, Any]:
    return {
        PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF},
        "application/json": {"schema": _PROBLEM_REF},
    }


def _declared(code: int) -> dict[str, Any]:
    entry = problem_responses(code)[code]
    return {"description": entry["description"], "content": _problem_content()}


def _optional_header_without_null(parameter: dict[str, Any]) -> None:
    """An optional `Idempotency-Key` is absent or a key, never `null` (FastAPI writes its
    `str | None` as `anyOf: [string, null]`, and a header has no null)."""
    if parameter.get("in") != "header" or parameter.get("name") != IDEMPOTENCY_HEADER:
        return
    schema = parameter.get("schema", {})
    variants = [v for v in schema.get("anyOf", ()) if v.get("type") != "null"]
    if len(variants) == 1 and len(variants) < len(schema["anyOf"]):
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        parameter["schema"] = {**variants[0], **rest}


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
                for parameter in operation.get("parameters", ()):
                    _optional_header_without_null(parameter)
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
