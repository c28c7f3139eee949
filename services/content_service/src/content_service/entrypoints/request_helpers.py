"""Small helpers the route modules share: the use-case context and JSON answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from quart import current_app

from content_service.service_layer.context import ContentContext

CONTEXT_EXTENSION = "content_service.context"


def content_context() -> ContentContext:
    context: ContentContext = current_app.extensions[CONTEXT_EXTENSION]
    return context


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
