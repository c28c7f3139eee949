"""The public OpenAPI document, as served at ``/openapi.json`` and checked in at ``docs/api/openapi.json``.

FastAPI documents a 422 with its own validation-error schema on every route that takes input,
but this gateway answers invalid input with 400 and the one error body (already documented on
each route). So that default 422 is removed, and with it its schemas; a 422 a route documents
itself (the owner's answer, in the error body) stays.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_FASTAPI_VALIDATION_REF = "#/components/schemas/HTTPValidationError"


def _is_fastapi_default_422(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref") == _FASTAPI_VALIDATION_REF)


def public_openapi(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document without FastAPI's default 422; built once per app."""
    if app.openapi_schema is None:
        document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        for path_item in document.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.get("responses", {})
                if "422" in responses and _is_fastapi_default_422(responses["422"]):
                    del responses["422"]
        schemas = document.get("components", {}).get("schemas", {})
        if _FASTAPI_VALIDATION_REF not in json.dumps(document):
            for name in _FASTAPI_VALIDATION_SCHEMAS:
                schemas.pop(name, None)
        app.openapi_schema = document
    return app.openapi_schema


def render(document: dict[str, Any]) -> str:
    """The checked-in form: sorted keys, two-space indent, one trailing newline (stable diffs)."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def serve_public_openapi(app: FastAPI) -> None:
    """Make ``/openapi.json`` (and ``/docs``) serve :func:`public_openapi`."""

    def openapi() -> dict[str, Any]:
        return public_openapi(app)

    app.openapi = openapi  # type: ignore[method-assign]
