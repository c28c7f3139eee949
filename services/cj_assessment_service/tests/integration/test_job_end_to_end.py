"""A 12-essay job with 6 anchors, from the request event to the result event, over real infrastructure."""

from __future__ import annotations

import uuid
from itertools import pairwise

import pytest
from prometheus_client import REGISTRY
from scipy.stats import spearmanr

from cj_assessment_service.metrics import BATCH_STATE, RELIABILITY
from common_core.events.cj_assessment import (
    AssessmentResultPublishedV1,
    CJAssessmentCompletedV1,
    CJAssessmentProgressV1,
)
from common_core.status import CJJobState
from services.cj_assessment_service.tests.fakes import FAKE_COST_USD, FAKE_INPUT_TOKENS, FAKE_OUTPUT_TOKENS, essay_text
from services.cj_assessment_service.tests.integration.conftest import (
    Harness,
    assert_events_match_schemas,
    declared_metric_names,
    has_samples,
    post_multipart,
    teacher_headers,
)

GRADES = ("F", "E", "D", "C", "B", "A")


async def create_assignment_with_anchors(harness: Harness, client: object, grades: tuple[str, ...] = GRADES) -> str:
    response = await client.post(  # type: ignore[attr-defined]
        "/v1/assignments",
        json={
            "title": "Climate essay",
            "course_code": "ENG5",
            "grade_scale": "swedish_f_a",
            "instructions": "Which essay argues better?",
            "student_prompt": "Write about climate change.",
        },
        headers=teacher_headers(),
    )
    assert response.status_code == 201, await response.get_data()
    assignment_id = (await response.get_json())["assignment_id"]
    # Anchors of quality 0, 2, 4, ... so their grades follow the simulated judge's scale.
    files = {f"anchor-{g}.txt": essay_text(100 + k, 2 * k) for k, g in enumerate(grades)}
    csv = "label,grade\n" + "".join(f"anchor-{g},{g}\n" for g in grades)
    response = await post_multipart(
        client,
        f"/v1/assignments/{assignment_id}/anchors/bulk",
        [("files", (n, t.encode())) for n, t in files.items()] + [("grades", ("grades.csv", csv.encode()))],
    )
    assert response.status_code == 201, await response.get_data()
    assert len((await response.get_json())["anchors"]) == len(grades)
    return str(assignment_id)


async def test_twelve_essays_and_six_anchors_run_from_request_to_result(harness: Harness):
    app = await harness.start()
    client = app.test_client()
    assignment_id = await create_assignment_with_anchors(harness, client)

    request = await harness.request(12, assignment_id=uuid.UUID(assignment_id))
    result: AssessmentResultPublishedV1 = await harness.wait_for_event(AssessmentResultPublishedV1, request.batch_id)
    completed: CJAssessmentCompletedV1 = await harness.wait_for_event(CJAssessmentCompletedV1, request.batch_id)

    # Every essay and anchor is ranked and graded; anchors are flagged with their known grade.
    assert len(result.results) == 18
    anchors = [r for r in result.results if r.is_anchor]
    assert sorted(str(r.known_grade) for r in anchors) == sorted(GRADES)
    assert all(r.grade is not None and abs(sum(r.grade_probabilities.values()) - 1) < 1e-6 for r in result.results)
    # Real distributions, not one-hot (PITFALLS), and anchors are graded like students.
    assert any(sum(p > 0.01 for p in r.grade_probabilities.values()) > 1 for r in result.results)
    assert all(r.standard_error > 0 for r in result.results)
    assert result.stop_reason == completed.stop_reason is not None
    assert result.position_bias is not None
    # Anchors in every grade pin every boundary (the contract checks that they climb the bt_score scale).
    assert [(c.lower_grade, c.upper_grade, c.source) for c in result.grade_cut_points] == [
        (lower, upper, "fitted") for lower, upper in pairwise(GRADES)
    ]

    # Real counts: the completed event's numbers are the verdicts stored, one per judged request id.
    done = await harness.db("SELECT count(*) FROM comparisons WHERE status = 'done'")
    assert completed.comparisons_completed == done[0][0] == sum(harness.lps.verdicts_sent.values())
    assert completed.essays_assessed == 12
    assert completed.anchors_used == 6
    assert sum(r.comparison_count for r in result.results) == 2 * completed.comparisons_completed

    # The ranking follows the essays' quality (the judge reads the essays).
    students = {r.essay_id: r for r in result.results if not r.is_anchor}
    qualities = {e.essay_id: i for i, e in enumerate(request.essays)}
    rho = spearmanr([qualities[e] for e in students], [-students[e].rank for e in students]).statistic
    assert rho > 0.7

    # Progress was published after every wave, with a state and real counts, and within waves while
    # callbacks arrived (paced). The last event of each wave is its close.
    published = [p for p in harness.events.payloads(CJAssessmentProgressV1) if p.batch_id == request.batch_id]
    assert [p.wave for p in published] == sorted(p.wave for p in published)
    assert [p.comparisons_done for p in published] == sorted(p.comparisons_done for p in published)
    progress = list({p.wave: p for p in published}.values())
    assert [p.wave for p in progress] == list(range(len(progress)))
    assert len(published) > len(progress)  # the first answer of a wave is shown before the wave closes
    assert progress[-1].comparisons_done == completed.comparisons_completed
    # The stopping rule's marginal reliability: None until every item has the minimum comparisons (never
    # on the first wave), a probability from then on, as each wave stored it. The results carry the last.
    reliabilities = [p.reliability for p in progress]
    first = next(i for i, r in enumerate(reliabilities) if r is not None)
    assert first > 0
    assert all(r is not None and 0.0 <= r <= 1.0 for r in reliabilities[first:])
    stored = await harness.db("SELECT wave, reliability FROM waves WHERE completed_at IS NOT NULL ORDER BY wave")
    assert [tuple(r) for r in stored] == [(p.wave, p.reliability) for p in progress]
    assert completed.reliability == result.reliability == reliabilities[-1]
    assert result.reliability_ssr == completed.reliability_ssr is not None  # still reported beside it
    # Every outcome names the request that started the job, so content service can tell runs apart.
    assert {completed.request_id, *(p.request_id for p in progress)} == {request.request_id}

    # Contract: every emitted event validates against the checked-in common_core schema.
    assert assert_events_match_schemas(harness.events) == len(published) + 2

    # Usage: every verdict's tokens and cost are stored and summed; each was its own call here.
    assert completed.usage is not None
    assert completed.usage.llm_calls == completed.comparisons_completed
    assert completed.usage.input_tokens == FAKE_INPUT_TOKENS * completed.comparisons_completed
    assert completed.usage.output_tokens == FAKE_OUTPUT_TOKENS * completed.comparisons_completed
    assert completed.usage.cost_usd == pytest.approx(FAKE_COST_USD * completed.comparisons_completed)
    assert completed.usage.unreported == 0
    assert result.stop_detail == completed.stop_detail is not None
    assert completed.position_bias_se is not None
    assert completed.position_bias_se > 0
    labels = sorted(str(r.anchor_label) for r in anchors)
    assert labels == sorted(f"anchor-{g}" for g in GRADES)

    # The BFF's read API, and the 404 for anyone but the owner.
    view = await client.get(
        f"/internal/v1/jobs/{completed.job_id}", headers=teacher_headers(service="bff_teacher_service")
    )
    assert view.status_code == 200
    body = await view.get_json()
    assert body["state"] == CJJobState.COMPLETED
    assert body["comparisons_completed"] == completed.comparisons_completed
    assert body["stop_reason"] == completed.stop_reason
    assert len(body["waves"]) == len(progress)
    assert body["reliability"] == completed.reliability  # the latest completed wave's, as in the event
    other = await client.get(
        f"/internal/v1/jobs/{completed.job_id}", headers=teacher_headers("teacher-2", "bff_teacher_service")
    )
    assert other.status_code == 404
    essay_id = request.essays[0].essay_id
    comparisons = await client.get(
        f"/internal/v1/jobs/{completed.job_id}/essays/{essay_id}/comparisons",
        headers=teacher_headers(service="bff_teacher_service"),
    )
    rows = (await comparisons.get_json())["comparisons"]
    assert len([r for r in rows if r["status"] == "done"]) == students[essay_id].comparison_count
    assert all(r["justification"] and r["model"] == "fake-judge" and r["side"] in ("A", "B") for r in rows)

    # Every comparison of the job, paged, for exports: both essays, who was first, the winner, the cost.
    pages, offset, total = [], 0, None
    while total is None or offset < total:
        page = await client.get(
            f"/internal/v1/jobs/{completed.job_id}/comparisons?limit=7&offset={offset}",
            headers=teacher_headers(service="bff_teacher_service"),
        )
        assert page.status_code == 200
        body = await page.get_json()
        total, offset = body["total"], offset + 7
        pages.extend(body["comparisons"])
    planned = await harness.db("SELECT count(*) FROM comparisons")
    assert len(pages) == total == planned[0][0]
    assert len({r["pair_id"] for r in pages}) == total
    done_rows = [r for r in pages if r["status"] == "done"]
    assert len(done_rows) == completed.comparisons_completed
    assert all(r["winner_essay_id"] in (r["essay_a_id"], r["essay_b_id"]) for r in done_rows)
    assert all(r["input_tokens"] == FAKE_INPUT_TOKENS and r["cost_usd"] == FAKE_COST_USD for r in done_rows)
    for query, status in (("?limit=0", 400), ("?offset=-1", 400), ("?limit=abc", 400)):
        bad = await client.get(
            f"/internal/v1/jobs/{completed.job_id}/comparisons{query}",
            headers=teacher_headers(service="bff_teacher_service"),
        )
        assert bad.status_code == status
    stranger = await client.get(
        f"/internal/v1/jobs/{completed.job_id}/comparisons",
        headers=teacher_headers("teacher-2", "bff_teacher_service"),
    )
    assert stranger.status_code == 404

    # Metrics: every CJ metric has samples once the monitor has refreshed the gauges (the per-job progress
    # gauge only while a job is active: see the cancel test).
    await harness.wait_for(lambda: BATCH_STATE.labels("completed")._value.get() >= 1, what="gauge refresh")
    metrics = await (await client.get("/metrics")).get_data(as_text=True)
    for name in declared_metric_names() - {"cj_batch_progress_percentage"}:
        assert has_samples(metrics, name), name
    assert RELIABILITY._value.get() == completed.reliability  # the operator sees the stopping rule's value
    # The completed job was observed in the per-job histograms, and each answer counted as a final success.
    assert (REGISTRY.get_sample_value("cj_job_cost_usd_count") or 0) >= 1
    assert (REGISTRY.get_sample_value("cj_reliability_at_completion_count") or 0) >= 1
    final_success = {"status": "success", "error_code": "none"}
    assert (
        REGISTRY.get_sample_value("cj_comparisons_final_total", final_success) or 0
    ) >= completed.comparisons_completed
    assert (REGISTRY.get_sample_value("cj_waves_closed_total") or 0) >= 1
