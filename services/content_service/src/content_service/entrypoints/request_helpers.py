"""Small helpers the route modules share: the use-case context, JSON bodies, query integers."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel
from quart import current_app, request

from content_service.service_layer.context import ContentContext
from huleedu_service_libs.errors import ValidationFailedError

M = TypeVar("M", bound=BaseModel)
CONTEXT_EXTENSION = "content_service.context"


def content_context() -> ContentContext:
    context: ContentContext = current_app.extensions[CONTEXT_EXTENSION]
    return context


async def json_body(model: type[M]) -> M:
    """The JSON body as ``model``; invalid fields answer 400 naming them (shared error handler)."""
    data: Any = await request.get_json(silent=True)
    if data is None:
        raise ValidationFailedError("Send a JSON object body with Content-Type: application/json")
    return model.model_validate(data)


def query_int(name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if not minimum <= value <= maximum:
        raise ValidationFailedError(
            f"{name} must be a whole number from {minimum} to {maximum}", details={"field": name, "value": raw}
        )
    return value


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
