"""The Kafka entrypoints: each translates the envelope and calls the service layer.

The unit of work wraps the runner's per-record transaction (which also holds the event's
idempotency claim), so the job's changes, its outbox events and the claim commit together.
Deadlocks and lock timeouts are retried by the runner (huleedu_service_libs.errors.is_retryable).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from cj_assessment_service.service_layer.callbacks import record_result
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.erasure import delete_account, erase_batch, erase_student
from cj_assessment_service.service_layer.ports import UnitOfWork
from cj_assessment_service.service_layer.requests import start_job
from common_core.envelope import EventEnvelope
from common_core.events.batch import BatchDeletedV1
from common_core.events.cj_assessment import CJAssessmentRequestedV1
from common_core.events.classes import StudentErasedV1, TeacherAccountDeletedV1
from common_core.events.llm_provider import LLMComparisonResultV1
from huleedu_service_libs.background import SessionHandler

REQUESTS = "requests_consumer"
CALLBACKS = "callbacks_consumer"
ERASURES = "erasures_consumer"

UowOn = Callable[[AsyncSession], UnitOfWork]


def request_subscriptions(deps: ServiceDeps, uow_on: UowOn) -> dict[type, SessionHandler]:
    async def on_request(envelope: EventEnvelope[CJAssessmentRequestedV1], session: AsyncSession) -> None:
        await start_job(deps, envelope.data, envelope.correlation_id, uow_on(session))

    return {CJAssessmentRequestedV1: on_request}


def callback_subscriptions(deps: ServiceDeps, uow_on: UowOn) -> dict[type, SessionHandler]:
    async def on_result(envelope: EventEnvelope[LLMComparisonResultV1], session: AsyncSession) -> None:
        await record_result(deps, envelope.data, uow_on(session))

    return {LLMComparisonResultV1: on_result}


def erasure_subscriptions(deps: ServiceDeps, uow_on: UowOn) -> dict[type, SessionHandler]:
    """A deleted batch, an erased student, a deleted account: one group of their own (``<prefix>.erasures``)."""

    async def on_batch_deleted(envelope: EventEnvelope[BatchDeletedV1], session: AsyncSession) -> None:
        await erase_batch(envelope.data, uow_on(session))

    async def on_student_erased(envelope: EventEnvelope[StudentErasedV1], session: AsyncSession) -> None:
        await erase_student(deps, envelope.data, uow_on(session))

    async def on_account_deleted(envelope: EventEnvelope[TeacherAccountDeletedV1], session: AsyncSession) -> None:
        await delete_account(deps, envelope.data, uow_on(session))

    return {
        BatchDeletedV1: on_batch_deleted,
        StudentErasedV1: on_student_erased,
        TeacherAccountDeletedV1: on_account_deleted,
    }
