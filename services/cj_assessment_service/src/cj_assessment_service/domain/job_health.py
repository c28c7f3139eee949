"""The figures behind CJ's health metrics, decided here so they can be tested without a database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from common_core.events.llm_provider import ComparisonError

NO_ERROR = "none"


@dataclass(frozen=True)
class ActiveJob:
    """One job not yet completed or failed."""

    state: str
    created_at: datetime
    last_activity_at: datetime


@dataclass(frozen=True)
class JobHealth:
    oldest_age_s: float
    stuck: int


def job_health(active: Iterable[ActiveJob], now: datetime, stuck_after_s: float, stuck_state: str) -> JobHealth:
    """The oldest active job's age, and how many jobs the monitor would examine as stuck.

    Only jobs in ``stuck_state`` (comparing) count as stuck, with the monitor's own threshold, so the
    gauge says what the monitor is about to act on; the age counts every active job, since one
    hanging in preparing or finalising is just as late for its teacher.
    """
    oldest_age_s = 0.0
    stuck = 0
    for job in active:
        oldest_age_s = max(oldest_age_s, (now - job.created_at).total_seconds())
        if job.state == stuck_state and (now - job.last_activity_at).total_seconds() > stuck_after_s:
            stuck += 1
    return JobHealth(oldest_age_s=oldest_age_s, stuck=stuck)


def final_comparison_labels(error: ComparisonError | None, will_retry: bool) -> tuple[str, str] | None:
    """(status, error_code) of a comparison's final outcome; ``None`` while a retry is still to come."""
    if error is None:
        return ("success", NO_ERROR)
    if will_retry:
        return None
    return ("error", error.code)
