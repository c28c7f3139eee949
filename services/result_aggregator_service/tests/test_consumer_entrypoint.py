"""The consumer entrypoint: an envelope becomes the fold's ConsumedEvent, on the runner's session."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from common_core.envelope import EventEnvelope
from common_core.events.batch import BatchRegisteredV1
from common_core.events.cj_assessment import CJAssessmentFailedV1
from result_aggregator_service.entrypoints.consumer import FOLDS, envelope_handler, envelope_handlers
from result_aggregator_service.service_layer.messages import ConsumedEvent
from result_aggregator_service.service_layer.ports import UnitOfWork

AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
RUNNER_SESSION = cast(AsyncSession, object())  # stands in for the runner's per-record session


def _registered() -> EventEnvelope[BatchRegisteredV1]:
    payload = BatchRegisteredV1(
        batch_id=uuid.uuid4(), user_id="teacher-1", title="T", course_code="ENG5", created_at=AT
    )
    return EventEnvelope[BatchRegisteredV1](
        event_type="t", event_timestamp=AT, source_service="test", correlation_id=uuid.uuid4(), data=payload
    )


async def test_the_fold_gets_the_payload_the_event_id_and_time_and_a_unit_of_work_on_the_runners_session() -> None:
    calls: list[tuple[ConsumedEvent[Any], UnitOfWork]] = []
    sessions: list[AsyncSession] = []
    unit_of_work = cast(UnitOfWork, object())

    async def fold(event: ConsumedEvent[BatchRegisteredV1], uow: UnitOfWork) -> None:
        calls.append((event, uow))

    def unit_of_work_on(session: AsyncSession) -> UnitOfWork:
        sessions.append(session)
        return unit_of_work

    envelope = _registered()
    await envelope_handler(fold, unit_of_work_on)(envelope, RUNNER_SESSION)

    assert calls == [(ConsumedEvent(envelope.data, envelope.event_id, AT), unit_of_work)]
    assert sessions == [RUNNER_SESSION]


def test_every_consumed_event_has_a_handler() -> None:
    handlers = envelope_handlers(lambda session: cast(UnitOfWork, object()))

    assert set(handlers) == set(FOLDS)
    assert len(FOLDS) == 10
    assert CJAssessmentFailedV1 in FOLDS
