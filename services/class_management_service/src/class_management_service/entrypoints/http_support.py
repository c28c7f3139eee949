"""Small helpers the route modules share: the service context, use cases run for the caller, the access log,
JSON answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Concatenate, ParamSpec, TypeVar

from pydantic import BaseModel
from quart import current_app

from class_management_service.service_layer.context import ServiceContext
from class_management_service.service_layer.ports import UnitOfWork
from common_core.http.access import AccessSubject
from huleedu_service_libs.access_log import AccessLog
from huleedu_service_libs.http.quart_support import current_accessor, current_identity

CONTEXT_EXTENSION = "class_management_service"
ACCESS_LOG_EXTENSION = "class_management_service.access_log"

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


def access_log() -> AccessLog:
    log: AccessLog = current_app.extensions[ACCESS_LOG_EXTENSION]
    return log


async def record_read(subjects: Iterable[tuple[AccessSubject, str]]) -> None:
    """Log this request's read of the caller's ``subjects`` before the answer leaves: a read whose entry
    cannot be written fails. Every route that calls this serves only the caller's own data (another
    teacher's is a 404), so the owner is the teacher the read is made for; no teacher, no entry."""
    accessor = current_accessor()
    if accessor.user_id is not None:
        await access_log().record(accessor.user_id, accessor, subjects)


def as_json(model: BaseModel) -> Any:
    return model.model_dump(mode="json")
