"""CJ's progress, completion and failure move the batch along its state machine.

The consumer (``entrypoints/consumers.py``) calls these with a unit of work on the runner's
per-record transaction, which also claims the event id, so a redelivered event is skipped before it
gets here. The handlers are idempotent on their own as well: an event for a batch already in (or
past) the target state changes nothing.
"""

from __future__ import annotations

import uuid

import structlog

from common_core.events.cj_assessment import CJAssessmentCompletedV1, CJAssessmentFailedV1, CJAssessmentProgressV1
from common_core.status import BatchStatus, batch_status_for_job_state
from content_service.domain.batch_states import FINAL_STATES, can_move
from content_service.metrics import BATCH_TRANSITIONS
from content_service.service_layer.ports import ContentRepository, UnitOfWork
from huleedu_service_libs.errors import ConflictError

_log = structlog.get_logger(__name__)


async def on_progress(event: CJAssessmentProgressV1, uow: UnitOfWork) -> None:
    target = batch_status_for_job_state(event.state)
    if target is BatchStatus.ASSESSING:
        await _move(uow.repo, event.batch_id, event.request_id, target, final=False)


async def on_completed(event: CJAssessmentCompletedV1, uow: UnitOfWork) -> None:
    await _move(uow.repo, event.batch_id, event.request_id, BatchStatus.COMPLETED, final=True)


async def on_failed(event: CJAssessmentFailedV1, uow: UnitOfWork) -> None:
    _log.info("cj_assessment_failed", batch_id=str(event.batch_id), code=event.error.code)
    await _move(uow.repo, event.batch_id, event.request_id, BatchStatus.FAILED, final=True)


async def _move(
    repo: ContentRepository,
    batch_id: uuid.UUID,
    request_id: uuid.UUID | None,
    target: BatchStatus,
    *,
    final: bool,
) -> None:
    log = _log.bind(batch_id=str(batch_id), target=target.value, request_id=str(request_id) if request_id else None)
    batch = await repo.batch_for_update(batch_id)
    if batch is None:
        # CJ also runs jobs that content service never requested (the ENG5 runner), and a
        # deleted batch may still get its last events: neither is an error here.
        log.info("cj_event_for_unknown_batch")
        return
    if request_id is not None:
        # An earlier run's late event must not finish (or fail) the run that replaced it. Events
        # without a request id come from publishers that predate the field and keep the old rule.
        current_request = await repo.latest_request(batch_id)
        if current_request is None or current_request.request_id != request_id:
            log.info(
                "cj_event_for_superseded_request",
                current_request_id=str(current_request.request_id) if current_request else None,
            )
            return
    current = batch.status
    if current is target or (not final and current in FINAL_STATES):
        log.info("cj_event_changes_nothing", status=current.value)
        return
    if not can_move(current, target):
        if current is BatchStatus.DRAFT:
            # A draft never asked for an assessment: the event contradicts our state, so it is
            # dead-lettered for a person to look at rather than applied.
            raise ConflictError(f"a draft batch cannot become {target.value}", details={"batch_id": str(batch_id)})
        log.info("cj_event_out_of_order", status=current.value)
        return
    await repo.set_status(batch_id, target)
    BATCH_TRANSITIONS.labels(current.value, target.value).inc()
    log.info("batch_status_changed", previous=current.value)
