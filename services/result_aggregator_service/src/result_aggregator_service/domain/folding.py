"""How events fold into a job's state and a batch's client-facing status.

Events of one batch arrive on several topics, so their relative order is not guaranteed, and any
of them may be redelivered. The rules here make the fold order-tolerant: a terminal job never
goes back to running, an older progress report never overwrites a newer one, and the batch's
current job is the one that started last, whatever order its events came in.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from common_core.events.cj_assessment import EssayResult
from common_core.grade_scales import get_grade_scale
from common_core.status import BatchStatus, CJJobState, batch_status_for_job_state

TERMINAL_STATES = frozenset({CJJobState.COMPLETED, CJJobState.FAILED})
# A batch in these is being assessed: the retention policy never purges it.
ACTIVE_STATUSES = frozenset({BatchStatus.ASSESSMENT_REQUESTED, BatchStatus.ASSESSING})

# Fixed forever: the id of a failure that came before CJ created a job must be the same on
# every redelivery, or a replay would add a second failed attempt to the history.
REQUEST_FAILURE_NAMESPACE = uuid.UUID("5b0e4f8a-2c61-5d7e-9a43-7f1c2e8b9d30")

T = TypeVar("T")


def client_status(current_job_state: CJJobState | None) -> BatchStatus:
    """The batch status clients see: the one place RAS maps it (PITFALLS: status mapped twice).

    A batch without any assessment is a draft; otherwise its current job's state decides, through
    common_core's single job-state mapping. Callers downstream pass the result through untouched.
    """
    if current_job_state is None:
        return BatchStatus.DRAFT
    return batch_status_for_job_state(current_job_state)


def progress_is_newer(last_progress_at: datetime | None, event_at: datetime) -> bool:
    """Whether a progress report is newer than the one applied last (a redelivery of it is harmless).

    An older report that arrives late (or is replayed) changes nothing.
    """
    return last_progress_at is None or event_at >= last_progress_at


def rename_is_newer(last_applied: datetime | None, renamed_at: datetime) -> bool:
    """Whether a rename (``batch.updated``) should replace the title shown.

    Renames carry the batch's ``updated_at`` from content service, which grows with every rename, so
    the newest wins whatever order they arrive in. The same rename again (equal time) changes nothing.
    """
    return last_applied is None or renamed_at > last_applied


def first_known(current: T | None, incoming: T) -> T:
    """A fact two events both carry: the first one to arrive fills it, a later one keeps it."""
    return incoming if current is None else current


def state_after_progress(current: CJJobState, reported: CJJobState) -> CJJobState:
    """A newer progress report moves a running job along, but never reopens a finished one.

    Progress of one job can arrive after its completion (another topic), so a completed batch
    would otherwise flip back to running; its counters still count, its state does not.
    """
    if current in TERMINAL_STATES:
        return current
    if reported in TERMINAL_STATES:
        return terminal_state(current, reported)
    return reported


def terminal_state(current: CJJobState, incoming: CJJobState) -> CJJobState:
    """The state after a terminal event: completion (which carries the results) is final.

    A failure after a completion, in whatever order the two arrive, leaves the job completed,
    because its results exist and are the product; otherwise the incoming terminal state wins.
    """
    if incoming not in TERMINAL_STATES:
        raise ValueError(f"{incoming} is not a terminal state")
    if current == CJJobState.COMPLETED:
        return CJJobState.COMPLETED
    return incoming


def displayed_progress(status: BatchStatus, progress_percentage: float | None) -> float:
    """A completed batch shows 100 % even if the last progress report said less."""
    if status == BatchStatus.COMPLETED:
        return 100.0
    return progress_percentage or 0.0


def grade_distribution(grade_scale: str, results: Iterable[EssayResult]) -> dict[str, int]:
    """Student essays per grade, every grade of the scale listed lowest first (anchors excluded)."""
    scale = get_grade_scale(grade_scale)
    counts = dict.fromkeys(scale.all_grades, 0)
    for result in results:
        if not result.is_anchor and result.grade is not None:
            counts[scale.validate_grade(result.grade)] += 1
    return counts


def in_scale_order(grade_scale: str, counts: dict[str, int]) -> dict[str, int]:
    """``counts`` with every grade of the scale, lowest first (JSONB storage does not keep key order)."""
    return {grade: counts.get(grade, 0) for grade in get_grade_scale(grade_scale).all_grades}


def request_failure_job_id(batch_id: uuid.UUID, event_id: uuid.UUID) -> uuid.UUID:
    """A stable job id for a failure that CJ reported before it had created a job."""
    return uuid.uuid5(REQUEST_FAILURE_NAMESPACE, f"{batch_id}\x1f{event_id}")


def term_start(now: datetime, start_months: Sequence[int]) -> datetime:
    """The first day (UTC midnight) of the school term ``now`` falls in.

    ``start_months`` are the months terms start in, e.g. ``(1, 8)`` for a spring term from
    January and an autumn term from August.
    """
    if not start_months or any(not 1 <= month <= 12 for month in start_months):
        raise ValueError("term start months must be 1-12, at least one")
    now = now.astimezone(UTC)
    candidates = [datetime(year, month, 1, tzinfo=UTC) for year in (now.year - 1, now.year) for month in start_months]
    return max(start for start in candidates if start <= now)


def month_start(now: datetime) -> datetime:
    """The first day (UTC midnight) of the month ``now`` falls in."""
    now = now.astimezone(UTC)
    return datetime(now.year, now.month, 1, tzinfo=UTC)
