"""Small helpers the route modules share: the service context, use cases run for the caller, JSON answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from pydantic import BaseModel
from quart import current_app

from class_management_service.service_layer.context import ServiceContext
from class_management_service.service_layer.ports import UnitOfWork
from huleedu_service_libs.http.quart_support import current_identity

CONTEXT_EXTENSION = "class_management_service"

P = ParamSpec("P")
T = TypeVar("T")


def service_context() -> ServiceContext:
    context: ServiceContext = current_app.extensions[CONTEXT_EXTENSION]
    return context


async def for_the_caller(
    use_case: Callable[Concatenate[UnitOfWork, str, P], Awaitable[T]], *args: P.args, **kwargs: P.kwargs
) -> T:
    """``use_case(uow, user_id, *args, **kwargs)`` in one unit of work, for the teacher in ``X-User-ID``."""
    user_id = current_identity().user_id
    async with service_context().unit_of_work() as uow:
        return await use_case(uow, user_id, *args, **kwargs)


def as_json(model: BaseModel) -> Any:
    return model.model_dump(mode="json")
