"""Requests that cannot run, stuck jobs, and cancellation: each ends in the right event, once."""

from __future__ import annotations

import uuid

from cj_assessment_service.metrics import BATCH_PROGRESS
from common_core.events.cj_assessment import (
    AssessmentBudget,
    AssessmentResultPublishedV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    CJAssessmentProgressV1,
)
from common_core.events.llm_provider import ComparisonError
from services.cj_assessment_service.tests.integration.conftest import (
    Harness,
    assert_events_match_schemas,
    has_samples,
    teacher_headers,
)
from services.cj_assessment_service.tests.integration.test_job_end_to_end import create_assignment_with_anchors


async def test_one_essay_fails_with_a_readable_reason(harness: Harness):
    await harness.start()
    request = await harness.request(1)
    failed: CJAssessmentFailedV1 = await harness.wait_for_event(CJAssessmentFailedV1, request.batch_id)
    assert failed.error.code == "TOO_FEW_ESSAYS"
    assert failed.error.message.startswith("only 1 essay")
    assert failed.job_id is not None
    assert failed.request_id == request.request_id
    assert assert_events_match_schemas(harness.events) == 1


async def test_unknown_assignment_fails(harness: Harness):
    await harness.start()
    request = await harness.request(4, assignment_id=uuid.uuid4())
    failed = await harness.wait_for_event(CJAssessmentFailedV1, request.batch_id)
    assert failed.error.code == "UNKNOWN_ASSIGNMENT"
    assert "does not exist" in failed.error.message


async def test_anchors_on_a_single_grade_fail(harness: Harness):
    app = await harness.start()
    assignment_id = await create_assignment_with_anchors(harness, app.test_client(), grades=("C",))
    request = await harness.request(4, assignment_id=uuid.UUID(assignment_id))
    failed = await harness.wait_for_event(CJAssessmentFailedV1, request.batch_id)
    assert failed.error.code == "ANCHORS_SINGLE_GRADE"
    assert failed.error.message.startswith("assignment has anchors on a single grade")


async def test_a_private_assignment_of_another_teacher_counts_as_unknown(harness: Harness):
    app = await harness.start()
    client = app.test_client()
    response = await client.post(
        "/v1/assignments",
        json={"title": "Mine", "course_code": "ENG5", "grade_scale": "eng5_np", "instructions": "x", "shared": False},
        headers=teacher_headers("teacher-2"),
    )
    assignment_id = (await response.get_json())["assignment_id"]
    request = await harness.request(3, assignment_id=uuid.UUID(assignment_id))
    failed = await harness.wait_for_event(CJAssessmentFailedV1, request.batch_id)
    assert failed.error.code == "UNKNOWN_ASSIGNMENT"


async def test_stuck_job_without_the_reliability_target_is_failed_by_the_monitor(harness: Harness):
    harness.lps.drop_after = 4  # LPS accepts the first wave but answers only 4 of its 6 pairs
    await harness.start(stuck_after_s=1.0, stuck_max_resubmits=1)
    request = await harness.request(12, budget=AssessmentBudget(max_comparisons_per_essay=10, target_reliability=0.99))
    failed = await harness.wait_for_event(CJAssessmentFailedV1, request.batch_id)
    assert failed.error.code == "STUCK"
    assert "no answers from the LLM service" in failed.error.message
    assert failed.comparisons_completed == 4
    assert failed.request_id == request.request_id
    assert harness.events.of(CJAssessmentCompletedV1) == []


async def test_stuck_job_past_the_reliability_target_completes_with_forced_recovery(harness: Harness):
    # 12 essays, waves of 6: each wave gives every essay one comparison, so the reliability is first
    # computed after the 6th wave (the minimum is 6), and the answers stop half-way through the 7th. The
    # reliability stop cannot fire first (it needs the target after two waves), but the target is met.
    harness.lps.drop_after = 6 * 6 + 3
    await harness.start(stuck_after_s=1.0, min_comparisons_per_essay=6, forced_recovery_max_missing_fraction=0.2)
    request = await harness.request(12, budget=AssessmentBudget(max_comparisons_per_essay=10, target_reliability=0.3))
    completed: CJAssessmentCompletedV1 = await harness.wait_for_event(CJAssessmentCompletedV1, request.batch_id)
    result: AssessmentResultPublishedV1 = await harness.wait_for_event(AssessmentResultPublishedV1, request.batch_id)
    assert completed.forced_recovery
    assert result.forced_recovery
    assert completed.stop_reason == result.stop_reason == "forced_recovery"
    assert completed.comparisons_completed == 6 * 6 + 3
    # The reliability that met the target: the 6th wave's, the last to close (the 7th's answers are not in it).
    # The last event of each closed wave is its close; the 7th wave's answers published in-wave progress only.
    published = harness.events.payloads(CJAssessmentProgressV1)
    closed = (await harness.db("SELECT count(*) FROM waves WHERE completed_at IS NOT NULL"))[0][0]
    progress = [p for p in {p.wave: p for p in published}.values() if p.wave < closed]
    assert [p.reliability is None for p in progress] == [True] * 5 + [False]
    assert completed.reliability == result.reliability == progress[-1].reliability >= 0.3
    assert completed.stop_detail is not None
    assert completed.stop_detail.startswith("forced recovery")
    assert completed.request_id == request.request_id
    assert harness.events.of(CJAssessmentFailedV1) == []


async def test_cancel_is_owner_only_and_publishes_failed_cancelled(harness: Harness):
    harness.lps.hold = True  # keep the job comparing
    app = await harness.start()
    client = app.test_client()
    request = await harness.request(6)
    await harness.wait_for(lambda: len(harness.lps.held) > 0, what="a submitted wave")
    job_id = (await harness.db("SELECT id FROM jobs"))[0][0]
    # While the job is active, its progress is exported per job.
    await harness.wait_for(lambda: str(job_id) in str(BATCH_PROGRESS._metrics), what="progress gauge")
    metrics = await (await client.get("/metrics")).get_data(as_text=True)
    assert has_samples(metrics, "cj_batch_progress_percentage")

    stranger = await client.post(f"/internal/v1/jobs/{job_id}/cancel", headers=teacher_headers("teacher-2"))
    assert stranger.status_code == 404
    response = await client.post(f"/internal/v1/jobs/{job_id}/cancel", headers=teacher_headers())
    assert response.status_code == 200
    failed = await harness.wait_for_event(CJAssessmentFailedV1, request.batch_id)
    assert failed.error.code == "CANCELLED"
    assert failed.request_id == request.request_id
    assert assert_events_match_schemas(harness.events) == 2  # the start's progress, then the failure
    again = await client.post(f"/internal/v1/jobs/{job_id}/cancel", headers=teacher_headers())
    assert again.status_code == 409
    # Planning stopped: late answers change nothing and no result is published.
    await harness.lps.release()
    view = await client.get(f"/internal/v1/jobs/{job_id}", headers=teacher_headers(service="bff_teacher_service"))
    body = await view.get_json()
    assert body["state"] == "failed"
    assert body["failure"]["code"] == "CANCELLED"
    assert harness.events.of(CJAssessmentCompletedV1) == []
    # Finished jobs leave the progress gauge.
    await harness.wait_for(lambda: str(job_id) not in str(BATCH_PROGRESS._metrics), what="progress gauge cleared")


async def test_every_comparison_rejected_fails_with_the_providers_reason(harness: Harness):
    harness.lps.fatal_error = ComparisonError(
        code="AUTHENTICATION", message="provider rejected the API key", retryable=False
    )
    await harness.start()
    request = await harness.request(6)
    failed = await harness.wait_for_event(CJAssessmentFailedV1, request.batch_id)
    assert failed.error.code == "ALL_COMPARISONS_FAILED"
    assert failed.error.message == "all comparisons failed: provider rejected the API key"
    assert failed.comparisons_completed == 0
    assert failed.comparisons_failed == 3


async def test_content_service_down_at_first_the_request_is_retried(harness: Harness):
    harness.content.unavailable_batch_gets = 2
    await harness.start()
    request = await harness.request(6)
    completed = await harness.wait_for_event(CJAssessmentCompletedV1, request.batch_id)
    assert completed.essays_assessed == 6
    assert harness.content.batch_gets >= 3
    assert (await harness.db("SELECT count(*) FROM jobs"))[0][0] == 1
