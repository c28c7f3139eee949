"""Small helpers the route modules share: the service context and JSON answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from quart import current_app

from class_management_service.service_layer.context import ServiceContext

CONTEXT_EXTENSION = "class_management_service"


def service_context() -> ServiceContext:
    context: ServiceContext = current_app.extensions[CONTEXT_EXTENSION]
    return context


def as_json(model: BaseModel) -> Any:
    return model.model_dump(mode="json")
