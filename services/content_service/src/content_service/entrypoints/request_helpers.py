"""Small helpers the route modules share: the use-case context, the access log and JSON answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from quart import current_app

from content_service.service_layer.context import ContentContext
from huleedu_service_libs.access_log import AccessLog

CONTEXT_EXTENSION = "content_service.context"
ACCESS_LOG_EXTENSION = "content_service.access_log"


def content_context() -> ContentContext:
    context: ContentContext = current_app.extensions[CONTEXT_EXTENSION]
    return context


def access_log() -> AccessLog:
    log: AccessLog = current_app.extensions[ACCESS_LOG_EXTENSION]
    return log


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
