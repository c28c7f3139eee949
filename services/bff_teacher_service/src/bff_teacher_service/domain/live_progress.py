"""What a live-progress stream tells a teacher: CJ's events and RAS's snapshot, as the stream's payloads.

Pure: no I/O. The feed turns CJ's progress, completion and failure events into :class:`LiveEvent`;
a stream opens with :func:`snapshot` of the result aggregator's batch and ends with the first
terminal event (or at once, when the snapshot is already final).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from common_core.events.cj_assessment import CJAssessmentCompletedV1, CJAssessmentFailedV1, CJAssessmentProgressV1
from common_core.http.bff import LiveBatchCompleted, LiveBatchFailed, LiveBatchProgress, LiveBatchState
from common_core.http.result_aggregator import BatchDetailResponse
from common_core.status import BatchStatus, batch_status_for_job_state

EventName = Literal["progress", "completed", "failed"]
FINAL_STATUSES = frozenset({BatchStatus.COMPLETED, BatchStatus.FAILED})


@dataclass(frozen=True)
class LiveEvent:
    """One change of one batch, as its stream sends it (the SSE event name and its JSON data)."""

    name: EventName
    payload: LiveBatchProgress | LiveBatchCompleted | LiveBatchFailed

    @property
    def batch_id(self) -> UUID:
        return self.payload.batch_id

    @property
    def job_id(self) -> UUID | None:
        return self.payload.job_id

    @property
    def terminal(self) -> bool:
        """The assessment ended: the stream closes after this event."""
        return self.name != "progress"


def progress_event(event: CJAssessmentProgressV1) -> LiveEvent:
    return LiveEvent(
        "progress",
        LiveBatchProgress(
            batch_id=event.batch_id,
            job_id=event.job_id,
            status=batch_status_for_job_state(event.state),
            progress_percentage=event.progress_percentage,
            wave=event.wave,
            comparisons_done=event.comparisons_done,
            comparisons_planned=event.comparisons_planned,
            reliability=event.reliability,
        ),
    )


def completed_event(event: CJAssessmentCompletedV1) -> LiveEvent:
    return LiveEvent(
        "completed",
        LiveBatchCompleted(
            batch_id=event.batch_id,
            job_id=event.job_id,
            comparisons_done=event.comparisons_completed,
            reliability=event.reliability,
        ),
    )


def failed_event(event: CJAssessmentFailedV1) -> LiveEvent:
    return LiveEvent(
        "failed",
        LiveBatchFailed(
            batch_id=event.batch_id,
            job_id=event.job_id,
            message=event.error.message,
            comparisons_done=event.comparisons_completed,
        ),
    )


def snapshot(detail: BatchDetailResponse) -> LiveBatchState:
    """The batch as the result aggregator has folded it: the stream's ``state`` event."""
    job = detail.current_job
    failure = job.failure if job is not None else None
    return LiveBatchState(
        batch_id=detail.batch.batch_id,
        job_id=job.job_id if job is not None else None,
        status=detail.batch.status,
        progress_percentage=detail.batch.progress_percentage,
        wave=job.wave if job is not None else None,
        comparisons_done=job.comparisons_done if job is not None else None,
        comparisons_planned=job.comparisons_planned if job is not None else None,
        reliability=job.reliability if job is not None else None,
        message=failure.message if failure is not None and detail.batch.status == BatchStatus.FAILED else None,
    )


def is_final(state: LiveBatchState) -> bool:
    return state.status in FINAL_STATUSES


def ahead_of(state: LiveBatchState, event: LiveEvent) -> bool:
    """Whether ``event`` of the snapshot's own job says more than the snapshot does.

    The BFF and the result aggregator read the same events independently, so the BFF can hold an
    event the aggregator has not folded yet when a stream opens. Without sending it, a stream
    opened in that gap would wait for a completion that has already happened.
    """
    if is_final(state) or state.job_id is None or event.job_id != state.job_id:
        return False
    if isinstance(event.payload, LiveBatchProgress):
        return event.payload.progress_percentage > state.progress_percentage
    return True  # the job ended, and the snapshot does not say so yet
