"""The read-model consumer's handlers: each envelope becomes a ``ConsumedEvent`` and a call of its fold.

Every record arrives inside the runner's transaction (huleedu_service_libs.background), which also
holds the event's idempotency claim; the unit of work of the fold is built on that session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from common_core.envelope import EventEnvelope
from common_core.events.batch import BatchDeletedV1, BatchRegisteredV1, BatchUpdatedV1, EssayUploadedV1
from common_core.events.cj_assessment import (
    AssessmentResultPublishedV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    CJAssessmentProgressV1,
)
from common_core.events.classes import StudentErasedV1, TeacherAccountDeletedV1
from huleedu_service_libs.background import SessionHandler
from result_aggregator_service.service_layer import batch_events, cj_events, erasure
from result_aggregator_service.service_layer.messages import ConsumedEvent
from result_aggregator_service.service_layer.ports import UnitOfWork

P = TypeVar("P", bound=BaseModel)

UnitOfWorkOn = Callable[[AsyncSession], UnitOfWork]
Fold = Callable[[ConsumedEvent[P], UnitOfWork], Awaitable[None]]

FOLDS: dict[type[BaseModel], Fold[Any]] = {
    BatchRegisteredV1: batch_events.on_batch_registered,
    BatchUpdatedV1: batch_events.on_batch_updated,
    BatchDeletedV1: batch_events.on_batch_deleted,
    EssayUploadedV1: batch_events.on_essay_uploaded,
    CJAssessmentProgressV1: cj_events.on_progress,
    CJAssessmentCompletedV1: cj_events.on_completed,
    CJAssessmentFailedV1: cj_events.on_failed,
    AssessmentResultPublishedV1: cj_events.on_result_published,
    StudentErasedV1: erasure.on_student_erased,
    TeacherAccountDeletedV1: erasure.on_teacher_account_deleted,
}


def envelope_handler(fold: Fold[P], unit_of_work_on: UnitOfWorkOn) -> SessionHandler:
    async def handle(envelope: EventEnvelope[P], session: AsyncSession) -> None:
        event = ConsumedEvent(envelope.data, envelope.event_id, envelope.event_timestamp)
        await fold(event, unit_of_work_on(session))

    return handle


def envelope_handlers(unit_of_work_on: UnitOfWorkOn) -> dict[type[BaseModel], SessionHandler]:
    """The consumer's handler for each consumed payload model."""
    return {model: envelope_handler(fold, unit_of_work_on) for model, fold in FOLDS.items()}
