"""The pure fold rules: status mapping, ordering guards, grade distribution, terms."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from common_core.events.cj_assessment import EssayResult
from common_core.status import BatchStatus, CJJobState
from result_aggregator_service.domain.folding import (
    client_status,
    displayed_progress,
    grade_distribution,
    in_scale_order,
    progress_is_newer,
    rename_is_newer,
    request_failure_job_id,
    state_after_progress,
    term_start,
    terminal_state,
)

T = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (None, BatchStatus.DRAFT),
        (CJJobState.CREATED, BatchStatus.ASSESSMENT_REQUESTED),
        (CJJobState.PREPARING, BatchStatus.ASSESSING),
        (CJJobState.COMPARING, BatchStatus.ASSESSING),
        (CJJobState.FINALISING, BatchStatus.ASSESSING),
        (CJJobState.COMPLETED, BatchStatus.COMPLETED),
        (CJJobState.FAILED, BatchStatus.FAILED),
    ],
)
def test_every_job_state_maps_to_a_distinct_client_status_once(state, expected):
    """PITFALLS 'status mapped twice': no real state collapses into a generic 'pending'."""
    assert client_status(state) == expected


def test_only_a_newer_progress_report_counts():
    assert progress_is_newer(None, T)
    assert progress_is_newer(T, T + timedelta(seconds=1))
    assert progress_is_newer(T, T)  # a redelivery of the latest is harmless
    assert not progress_is_newer(T, T - timedelta(seconds=1))


def test_only_a_newer_rename_replaces_the_title():
    assert rename_is_newer(None, T)
    assert rename_is_newer(T, T + timedelta(microseconds=1))
    assert not rename_is_newer(T, T)  # the same rename again changes nothing
    assert not rename_is_newer(T, T - timedelta(seconds=1))  # an older rename arriving late


def test_progress_never_reopens_a_finished_job():
    assert state_after_progress(CJJobState.CREATED, CJJobState.COMPARING) == CJJobState.COMPARING
    assert state_after_progress(CJJobState.COMPLETED, CJJobState.COMPARING) == CJJobState.COMPLETED
    assert state_after_progress(CJJobState.FAILED, CJJobState.FINALISING) == CJJobState.FAILED
    assert state_after_progress(CJJobState.COMPARING, CJJobState.COMPLETED) == CJJobState.COMPLETED
    assert state_after_progress(CJJobState.COMPLETED, CJJobState.FAILED) == CJJobState.COMPLETED


def test_completion_is_final_whatever_order_the_terminal_events_arrive_in():
    assert terminal_state(CJJobState.COMPARING, CJJobState.FAILED) == CJJobState.FAILED
    assert terminal_state(CJJobState.COMPLETED, CJJobState.FAILED) == CJJobState.COMPLETED
    assert terminal_state(CJJobState.FAILED, CJJobState.COMPLETED) == CJJobState.COMPLETED
    assert terminal_state(CJJobState.CREATED, CJJobState.COMPLETED) == CJJobState.COMPLETED
    with pytest.raises(ValueError, match="not a terminal state"):
        terminal_state(CJJobState.CREATED, CJJobState.COMPARING)


def test_a_completed_batch_shows_full_progress():
    assert displayed_progress(BatchStatus.COMPLETED, 93.0) == 100.0
    assert displayed_progress(BatchStatus.ASSESSING, 41.5) == 41.5
    assert displayed_progress(BatchStatus.DRAFT, None) == 0.0


def _result(grade: str | None, *, anchor: bool = False, rank: int = 1) -> EssayResult:
    return EssayResult(
        essay_id=uuid.uuid4(),
        is_anchor=anchor,
        rank=rank,
        bt_score=0.0,
        standard_error=0.5,
        normalized_score=50.0,
        grade=grade,
        grade_probabilities={grade: 1.0} if grade else {},
        confidence=1.0 if grade else 0.0,
        confidence_label="high",
        comparison_count=4,
        known_grade=grade if anchor else None,
    )


def test_grade_distribution_counts_student_essays_on_the_whole_scale():
    results = [_result("E\u2212"), _result("E-"), _result("A"), _result("C+", anchor=True), _result(None)]
    distribution = grade_distribution("eng5_np", results)
    assert list(distribution) == ["F", "F+", "E-", "E+", "D-", "D+", "C-", "C+", "B", "A"]
    assert distribution["E-"] == 2  # the Unicode minus is the same grade
    assert distribution["A"] == 1
    assert distribution["C+"] == 0  # anchors are not students' essays
    assert sum(distribution.values()) == 3


def test_a_stored_distribution_comes_back_in_scale_order():
    assert list(in_scale_order("swedish_f_a", {"A": 2, "F": 1})) == ["F", "E", "D", "C", "B", "A"]
    assert in_scale_order("swedish_f_a", {"A": 2, "F": 1})["A"] == 2


def test_the_term_starts_on_the_latest_configured_month():
    assert term_start(datetime(2026, 11, 30, tzinfo=UTC), [1, 8]) == datetime(2026, 8, 1, tzinfo=UTC)
    assert term_start(datetime(2026, 3, 2, tzinfo=UTC), [1, 8]) == datetime(2026, 1, 1, tzinfo=UTC)
    assert term_start(datetime(2026, 1, 1, tzinfo=UTC), [8]) == datetime(2025, 8, 1, tzinfo=UTC)
    assert term_start(datetime(2026, 8, 1, tzinfo=UTC), [1, 8]) == datetime(2026, 8, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="1-12"):
        term_start(T, [13])


def test_a_failure_before_any_job_gets_a_stable_id():
    batch_id, event_id = uuid.uuid4(), uuid.uuid4()
    assert request_failure_job_id(batch_id, event_id) == request_failure_job_id(batch_id, event_id)
    assert request_failure_job_id(batch_id, event_id) != request_failure_job_id(batch_id, uuid.uuid4())
