"""CJ's progress, completion and failure events for one batch, as content service consumes them.

Shared by the use-case tests (tests/service_layer) and the consumer tests (tests/integration); the
integration tests name batches by their id as a string, so either form is accepted.
"""

from __future__ import annotations

import uuid

from common_core.events.cj_assessment import (
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    CJAssessmentProgressV1,
    FailureReason,
)
from common_core.status import CJJobState


def completed(
    batch_id: uuid.UUID | str, request_id: uuid.UUID | None = None, *, essays: int = 3, comparisons: int = 3
) -> CJAssessmentCompletedV1:
    return CJAssessmentCompletedV1(
        batch_id=uuid.UUID(str(batch_id)),
        request_id=request_id,
        job_id=uuid.uuid4(),
        essays_assessed=essays,
        anchors_used=0,
        comparisons_completed=comparisons,
        comparisons_failed=0,
        duration_seconds=1.0,
    )


def failed(batch_id: uuid.UUID | str, request_id: uuid.UUID | None = None) -> CJAssessmentFailedV1:
    return CJAssessmentFailedV1(
        batch_id=uuid.UUID(str(batch_id)),
        request_id=request_id,
        error=FailureReason(code="NO_JUDGE", message="The judge is down"),
    )


def progress(
    batch_id: uuid.UUID | str, state: CJJobState = CJJobState.COMPARING, request_id: uuid.UUID | None = None
) -> CJAssessmentProgressV1:
    return CJAssessmentProgressV1(
        batch_id=uuid.UUID(str(batch_id)),
        request_id=request_id,
        job_id=uuid.uuid4(),
        state=state,
        wave=1,
        comparisons_done=1,
        comparisons_planned=6,
        progress_percentage=16.7,
    )
