"""The checked-in ``docs/api/openapi.json`` is the document the gateway serves."""

from __future__ import annotations

from pathlib import Path

from api_gateway_service.openapi_export import current_document

CHECKED_IN = Path(__file__).resolve().parents[3] / "docs" / "api" / "openapi.json"


def test_the_checked_in_openapi_document_is_current():
    assert CHECKED_IN.read_text(encoding="utf-8") == current_document(), (
        "the public API changed: run `pdm run export-openapi` and review the diff of docs/api/openapi.json"
    )
