"""Small helpers the route modules share: the service context, JSON bodies, a transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from pydantic import BaseModel
from quart import current_app, request
from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.service_layer.context import ServiceContext
from huleedu_service_libs.errors import ValidationFailedError

CONTEXT_EXTENSION = "class_management_service"
# Callers of the teacher routes: the gateway (browser traffic) and the BFF (composed views).
TEACHER_ROUTE_CALLERS = ("api_gateway_service", "bff_teacher_service")

M = TypeVar("M", bound=BaseModel)


def service_context() -> ServiceContext:
    context: ServiceContext = current_app.extensions[CONTEXT_EXTENSION]
    return context


async def json_body(model: type[M]) -> M:
    """The request body as ``model``; pydantic's errors become a 400 that names each field."""
    data = await request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise ValidationFailedError("The request body must be a JSON object")
    return model.model_validate(data)


@asynccontextmanager
async def transaction() -> AsyncIterator[AsyncSession]:
    async with service_context().sessions() as session, session.begin():
        yield session


def as_json(model: BaseModel) -> Any:
    return model.model_dump(mode="json")
