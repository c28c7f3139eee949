"""What the fold reads from a locked batch and job, and the changes it writes to a job.

Pure shapes: the adapters map them to rows, the in-memory fakes of the service-layer tests keep
them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from common_core.status import CJJobState


@dataclass(frozen=True)
class BatchLock:
    """What a handler needs to know about the batch it locked."""

    registered: bool  # batch.registered has arrived (else the row is an early placeholder)
    deleted: bool  # batch.deleted has arrived: every later event of the batch changes nothing
    title_updated_at: datetime | None  # the updated_at of the newest rename applied
    essays_purged: bool = False  # retention purged its essays and results; only its aggregates stay


@dataclass(frozen=True)
class JobSnapshot:
    """A job as the locked batch holds it: what decides whether, and how, an event changes it."""

    state: CJJobState
    last_progress_at: datetime | None
    results_published_at: datetime | None
    # Filled by whichever of the completed and the result event arrives first.
    completed_at: datetime | None = None
    essays_assessed: int | None = None
    stop_reason: str | None = None
    stop_detail: str | None = None
    position_bias: float | None = None
    position_bias_se: float | None = None
    forced_recovery: bool = False
    # Known from the result event, or else from the usage of a completed or failed job.
    model_provider: str | None = None
    model_name: str | None = None


class JobChanges(TypedDict, total=False):
    """The job's read-model columns an event sets; a key left out keeps its value."""

    state: CJJobState
    last_progress_at: datetime
    wave: int
    comparisons_done: int
    comparisons_planned: int
    progress_percentage: float
    progress_reliability_ssr: float | None
    progress_reliability: float | None
    completed_at: datetime
    duration_seconds: float | None
    essays_assessed: int
    anchors_used: int
    comparisons_completed: int
    comparisons_failed: int
    failure_code: str
    failure_message: str
    grade_scale: str
    model_provider: str
    model_name: str
    result_reliability_ssr: float | None
    result_reliability: float | None
    results_published_at: datetime
    grade_distribution: dict[str, int]
    stop_reason: str | None
    stop_detail: str | None
    position_bias: float | None
    position_bias_se: float | None
    forced_recovery: bool
    grade_projection_note: str | None
    grade_cut_points: list[dict[str, Any]]
    llm_calls: int
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    usage_unreported: int
    finished_at: datetime
    completed_payload: dict[str, Any]
    result_payload: dict[str, Any]
