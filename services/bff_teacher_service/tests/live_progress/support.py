"""What the live-progress tests share: a feed that needs no Kafka, the result aggregator's batch in any
state, and CJ's events of that batch."""

from __future__ import annotations

import asyncio
import copy
from typing import Any
from uuid import UUID

from bff_teacher_service.domain.live_progress import LiveEvent, completed_event, failed_event, progress_event
from common_core.events.cj_assessment import (
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    CJAssessmentProgressV1,
    FailureReason,
)
from common_core.http.examples import example_of
from common_core.status import CJJobState

BATCH_ID = UUID("00000000-0000-0000-0000-000000000001")
JOB_ID = UUID("00000000-0000-0000-0000-000000000007")
OTHER_BATCH_ID = UUID("00000000-0000-0000-0000-0000000000b2")


class IdleFeed:
    """A progress feed that consumes nothing, so the app's tests need no Kafka."""

    def __init__(self) -> None:
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        await self._stopping.wait()

    async def stop(self) -> None:
        self._stopping.set()


def batch_detail(status: str, progress: float = 0.0, *, failure: str | None = None) -> dict[str, Any]:
    """The result aggregator's answer for BATCH_ID, its current job JOB_ID in the matching state."""
    detail = copy.deepcopy(example_of("BatchDetailResponse"))
    detail["batch"]["status"] = status
    detail["batch"]["progress_percentage"] = progress
    job = detail["current_job"]
    job["status"] = status
    job["state"] = {"assessing": "comparing", "assessment_requested": "created"}.get(status, status)
    job["progress_percentage"] = progress
    job["failure"] = {"code": "JUDGE_DOWN", "message": failure} if failure else None
    return detail


def progress(percentage: float, batch_id: UUID = BATCH_ID) -> LiveEvent:
    done = int(percentage)
    return progress_event(
        CJAssessmentProgressV1(
            batch_id=batch_id,
            job_id=JOB_ID,
            state=CJJobState.COMPARING,
            wave=1,
            comparisons_done=done,
            comparisons_planned=100,
            progress_percentage=percentage,
            reliability=0.5,
        )
    )


def completed(batch_id: UUID = BATCH_ID) -> LiveEvent:
    return completed_event(
        CJAssessmentCompletedV1(
            batch_id=batch_id,
            job_id=JOB_ID,
            essays_assessed=2,
            anchors_used=1,
            comparisons_completed=40,
            comparisons_failed=0,
            duration_seconds=12.0,
            reliability=0.81,
        )
    )


def failed(message: str = "The judge could not be reached.") -> LiveEvent:
    return failed_event(
        CJAssessmentFailedV1(batch_id=BATCH_ID, job_id=JOB_ID, error=FailureReason(code="JUDGE_DOWN", message=message))
    )
