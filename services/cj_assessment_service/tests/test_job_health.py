"""The figures behind cj_oldest_active_job_age_seconds, cj_stuck_jobs and cj_comparisons_final_total."""

from datetime import UTC, datetime, timedelta

from cj_assessment_service.domain.job_health import ActiveJob, final_comparison_labels, job_health
from common_core.events.llm_provider import ComparisonError

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def job(state: str, age_s: float, idle_s: float) -> ActiveJob:
    return ActiveJob(state, NOW - timedelta(seconds=age_s), NOW - timedelta(seconds=idle_s))


def test_no_active_job_reports_zero():
    health = job_health([], NOW, stuck_after_s=600, stuck_state="comparing")
    assert (health.oldest_age_s, health.stuck) == (0.0, 0)


def test_oldest_age_counts_every_active_state():
    jobs = [job("comparing", 100, 10), job("preparing", 900, 900), job("finalising", 50, 50)]
    assert job_health(jobs, NOW, stuck_after_s=600, stuck_state="comparing").oldest_age_s == 900


def test_only_comparing_jobs_idle_past_the_threshold_are_stuck():
    jobs = [
        job("comparing", 2000, 601),  # stuck
        job("comparing", 2000, 600),  # exactly at the threshold: the monitor does not act yet
        job("comparing", 2000, 10),
        job("preparing", 2000, 2000),  # not the monitor's to judge
    ]
    assert job_health(jobs, NOW, stuck_after_s=600, stuck_state="comparing").stuck == 1


def test_final_comparison_labels():
    error = ComparisonError(code="RATE_LIMITED", message="slow down", retryable=True)
    assert final_comparison_labels(None, will_retry=False) == ("success", "none")
    assert final_comparison_labels(error, will_retry=True) is None
    assert final_comparison_labels(error, will_retry=False) == ("error", "RATE_LIMITED")
