"""Small helpers the route modules share: the service context, a transaction, JSON answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pydantic import BaseModel
from quart import current_app
from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.service_layer.context import ServiceContext

CONTEXT_EXTENSION = "class_management_service"
# Callers of the teacher routes: the gateway (browser traffic) and the BFF (composed views).
TEACHER_ROUTE_CALLERS = ("api_gateway_service", "bff_teacher_service")


def service_context() -> ServiceContext:
    context: ServiceContext = current_app.extensions[CONTEXT_EXTENSION]
    return context


@asynccontextmanager
async def transaction() -> AsyncIterator[AsyncSession]:
    async with service_context().sessions() as session, session.begin():
        yield session


def as_json(model: BaseModel) -> Any:
    return model.model_dump(mode="json")
