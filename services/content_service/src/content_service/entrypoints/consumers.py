"""The consumers' entrypoints: each translates the envelope and calls the service layer.

The unit of work wraps the runner's per-record transaction (which holds the event's idempotency
claim), so the batch's change and the claim commit together. An account's deletion is the exception:
it deletes the batches in transactions of its own (a bounded number of batches each) before the claim.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from common_core.envelope import EventEnvelope
from common_core.events.cj_assessment import CJAssessmentCompletedV1, CJAssessmentFailedV1, CJAssessmentProgressV1
from common_core.events.classes import StudentErasedV1, TeacherAccountDeletedV1
from content_service.service_layer import cj_events, erasure
from content_service.service_layer.ports import AccessRecorder, UnitOfWork, UnitOfWorkFactory
from huleedu_service_libs.background import SessionHandler

CONSUMER = "cj_events_consumer"
ERASURES = "erasures_consumer"


def cj_event_subscriptions(uow_on: Callable[[AsyncSession], UnitOfWork]) -> dict[type, SessionHandler]:
    """The handlers of CJ's progress, completion and failure; ``uow_on`` wraps the runner's session."""

    async def progress(envelope: EventEnvelope[CJAssessmentProgressV1], session: AsyncSession) -> None:
        await cj_events.on_progress(envelope.data, uow_on(session))

    async def completed(envelope: EventEnvelope[CJAssessmentCompletedV1], session: AsyncSession) -> None:
        await cj_events.on_completed(envelope.data, uow_on(session))

    async def failed(envelope: EventEnvelope[CJAssessmentFailedV1], session: AsyncSession) -> None:
        await cj_events.on_failed(envelope.data, uow_on(session))

    return {CJAssessmentProgressV1: progress, CJAssessmentCompletedV1: completed, CJAssessmentFailedV1: failed}


def erasure_subscriptions(
    uow_on: Callable[[AsyncSession], UnitOfWork], uows: UnitOfWorkFactory, access_log: AccessRecorder
) -> dict[type, SessionHandler]:
    """The handlers of class management's erasures: a student's essays, a teacher's account."""

    async def student_erased(envelope: EventEnvelope[StudentErasedV1], session: AsyncSession) -> None:
        await erasure.erase_student(envelope.data, uow_on(session))

    async def account_deleted(envelope: EventEnvelope[TeacherAccountDeletedV1], session: AsyncSession) -> None:
        # The runner's transaction holds only the claim, committed once every batch is deleted.
        await erasure.delete_account(envelope.data, uows, access_log)

    return {StudentErasedV1: student_erased, TeacherAccountDeletedV1: account_deleted}
