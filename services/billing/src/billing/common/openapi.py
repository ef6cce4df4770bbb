"""What gipkit's OpenAPI post-processing leaves out, declared for billing's operations.

An operation with a request body answers 400 when the body is not JSON at all (FastAPI
refuses it before validation); the document must say so.

The bearer token is declared as what it is: an OAuth 2 access token of realm `gip`, obtained
with the client-credentials flow (services, partners) or the authorization-code flow with PKCE
(the console), with the realm's endpoints — so that a client (or Swagger UI) knows where to
get one, not only that a bearer string is expected. It still travels as
`Authorization: Bearer …`.
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


SCHEME = "gip"


def _oauth2(issuer: str) -> dict[str, Any]:
    endpoints = f"{issuer}/protocol/openid-connect"
    return {
        "type": "oauth2",
        "description": "Access token of realm `gip` (sent as `Authorization: Bearer …`)",
        "flows": {
            "clientCredentials": {"tokenUrl": f"{endpoints}/token", "scopes": {}},
            "authorizationCode": {
                "authorizationUrl": f"{endpoints}/auth",
                "tokenUrl": f"{endpoints}/token",
                "scopes": {},
            },
        },
    }


def install_openapi_additions(app: FastAPI) -> None:
    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = base()
        schemes = schema.get("components", {}).get("securitySchemes", {})
        if schemes.pop("HTTPBearer", None) is not None:
            schemes[SCHEME] = _oauth2(app.state.settings.issuer)
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if not isinstance(operation, dict):
                    continue
                if "requestBody" in operation:
                    operation["responses"].setdefault("400", _BAD_REQUEST)
                if "security" in operation:
                    operation["security"] = [
                        {SCHEME if name == "HTTPBearer" else name: scopes}
                        for requirement in operation["security"]
                        for name, scopes in requirement.items()
                    ]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
