"""Status enums, and the one place a CJ job state becomes the batch status clients see.

PITFALLS: each hop once "mapped" an already-mapped status, and real states collapsed into
"pending". Map here, once; everything downstream passes the result through untouched.
"""

from __future__ import annotations

from enum import StrEnum


class BatchStatus(StrEnum):
    """A batch's status as teachers and clients see it (content service's state machine)."""

    DRAFT = "draft"
    ASSESSMENT_REQUESTED = "assessment_requested"
    ASSESSING = "assessing"
    COMPLETED = "completed"
    FAILED = "failed"


class CJJobState(StrEnum):
    """The single state of a CJ job (one state per aggregate)."""

    CREATED = "created"
    PREPARING = "preparing"  # fetching texts and anchors
    COMPARING = "comparing"  # waves of comparisons in flight
    FINALISING = "finalising"  # final fit, grade projection, publishing results
    COMPLETED = "completed"
    FAILED = "failed"


_BATCH_STATUS_BY_JOB_STATE: dict[CJJobState, BatchStatus] = {
    CJJobState.CREATED: BatchStatus.ASSESSMENT_REQUESTED,
    CJJobState.PREPARING: BatchStatus.ASSESSING,
    CJJobState.COMPARING: BatchStatus.ASSESSING,
    CJJobState.FINALISING: BatchStatus.ASSESSING,
    CJJobState.COMPLETED: BatchStatus.COMPLETED,
    CJJobState.FAILED: BatchStatus.FAILED,
}


def batch_status_for_job_state(state: CJJobState) -> BatchStatus:
    return _BATCH_STATUS_BY_JOB_STATE[state]
