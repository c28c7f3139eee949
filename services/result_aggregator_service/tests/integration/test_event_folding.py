"""Events through real Kafka into the real database, read back through the internal HTTP API."""

from __future__ import annotations

import json
import re
import uuid

from prometheus_client import REGISTRY
from prometheus_client.metrics import MetricWrapperBase

import result_aggregator_service.metrics as ras_metrics

from .conftest import CUT_POINTS


async def test_a_realistic_sequence_folds_every_field_and_redelivery_changes_nothing(service):
    story = service.story()
    job_id = uuid.uuid4()
    events = [
        story.registered(),
        *(story.uploaded(i) for i in range(3)),
        story.progress(job_id, "created", 0.0, minutes=5),
        story.progress(job_id, "comparing", 50.0, minutes=6),
        story.progress(job_id, "finalising", 95.0, minutes=7),
        story.completed(job_id, minutes=8),
        story.results(job_id, minutes=8.5),
    ]
    for envelope in events:
        await service.publish(envelope)
    await service.until_status(story, "completed", essays_assessed=3, grade_scale="swedish_f_a")
    await service.drain()  # the uploads travel on their own topic

    detail = await service.detail(story)
    batch = detail["batch"]
    assert batch == {
        "batch_id": str(story.batch_id),
        "title": "Argumentative essays",
        "course_code": "ENG5",
        "class_id": str(story.class_id),
        "assignment_id": str(story.assignment_id),
        "status": "completed",
        "essay_count": 3,
        "progress_percentage": 100.0,
        "created_at": "2026-11-30T09:00:00Z",
        "updated_at": "2026-11-30T09:08:30Z",
        "completed_at": "2026-11-30T09:08:00Z",
        "result_summary": {
            "grade_scale": "swedish_f_a",
            "grade_distribution": {"F": 0, "E": 1, "D": 0, "C": 1, "B": 0, "A": 1},
            "reliability_ssr": 0.86,
            "reliability": 0.81,
            "partial": False,
        },
    }
    assert detail["current_job"] == {
        "job_id": str(job_id),
        "state": "completed",
        "status": "completed",
        "started_at": "2026-11-30T09:05:00Z",
        "wave": 3,
        "comparisons_done": 38,
        "comparisons_planned": 40,
        "progress_percentage": 95.0,
        "reliability_ssr": 0.86,
        "reliability": 0.81,
        "completed_at": "2026-11-30T09:08:00Z",
        "duration_seconds": 312.5,
        "essays_assessed": 3,
        "anchors_used": 1,
        "comparisons_completed": 38,
        "comparisons_failed": 2,
        "failure": None,
        "grade_scale": "swedish_f_a",
        "model_used": {"provider": "mock", "model": "mock-judge"},
        "stop_reason": "reliability_reached",
        "stop_detail": "reliability 0.81 reached the target 0.80 on two waves",
        "position_bias": 0.12,
        "position_bias_se": 0.2,
        "partial": False,
        "partial_reason": None,
        "grade_projection_note": "one anchor per grade: the cut points are approximate",
        "usage": {"llm_calls": 38, "input_tokens": 34200, "output_tokens": 1520, "cost_usd": 0.0, "unreported": 0},
        "grade_cut_points": [cut.model_dump(mode="json") for cut in CUT_POINTS],
    }
    assert list(batch["result_summary"]["grade_distribution"]) == ["F", "E", "D", "C", "B", "A"]
    essays = detail["essays"]
    assert [e["result"]["rank"] for e in essays] == [1, 2, 3, 4]
    assert [e["essay_id"] for e in essays] == [
        str(i) for i in (story.essay_ids[0], story.anchor_id, *story.essay_ids[1:])
    ]
    first, anchor = essays[0], essays[1]
    assert first == {
        "essay_id": str(story.essay_ids[0]),
        "is_anchor": False,
        "filename": "essay-0.docx",
        "anchor_label": None,
        "word_count": 300,
        "uploaded_at": "2026-11-30T09:01:00Z",
        "result": {
            "essay_id": str(story.essay_ids[0]),
            "is_anchor": False,
            "rank": 1,
            "bt_score": 0.5,
            "standard_error": 0.4,
            "normalized_score": 90.0,
            "grade": "A",
            "grade_probabilities": {"A": 0.75, "D": 0.25},
            "confidence": 0.75,
            "confidence_label": "medium",
            "comparison_count": 13,
            "known_grade": None,
            "anchor_label": None,
            "anchor_inconsistent": None,
        },
    }
    assert anchor["is_anchor"] is True
    assert anchor["filename"] is None
    assert anchor["anchor_label"] == anchor["result"]["anchor_label"] == "anchor-B"
    assert anchor["result"]["anchor_inconsistent"] is False
    assert anchor["result"]["known_grade"] == "B"
    assert anchor["result"]["grade_probabilities"] == {"B": 0.9, "C": 0.1}

    status, page = await service.get(f"/internal/v1/users/{story.user_id}/batches")
    assert status == 200
    assert page == {"items": [batch], "total": 1, "limit": 20, "offset": 0}
    status, summary = await service.get(f"/internal/v1/users/{story.user_id}/summary")
    assert summary["counts_by_status"]["completed"] == 1
    assert summary["total_batches"] == 1

    # Redeliver every event (same ids, as a consumer crash before commit would), then again with
    # new ids (a producer that re-emits a fact): the answers stay the same.
    for envelope in events:
        await service.publish(envelope)
    for envelope in events:
        await service.publish(envelope.model_copy(update={"event_id": uuid.uuid4()}))
    await service.drain()
    assert await service.detail(story) == detail
    assert (await service.get(f"/internal/v1/users/{story.user_id}/batches"))[1] == page
    assert (await service.get(f"/internal/v1/batches/{story.batch_id}/history", user=story.user_id))[1]["jobs"] == []


async def test_reliability_is_served_beside_ssr_from_the_results_else_the_latest_progress(query_service):
    story = query_service.story("teacher-reliability")
    first_job, second_job = uuid.uuid4(), uuid.uuid4()

    async def current_job() -> dict:
        _, detail = await query_service.get(f"/internal/v1/batches/{story.batch_id}", user=story.user_id)
        return detail["current_job"]

    await query_service.fold(story.registered(), story.progress(first_job, "comparing", 20.0, minutes=5))
    job = await current_job()
    assert (job["reliability"], job["reliability_ssr"]) == (None, 0.167), "below the minimum comparisons"
    await query_service.fold(story.progress(first_job, "comparing", 60.0, minutes=6))
    job = await current_job()
    assert (job["reliability"], job["reliability_ssr"]) == (0.4, 0.5)
    await query_service.fold(story.results(first_job, minutes=9))
    job = await current_job()
    assert (job["reliability"], job["reliability_ssr"]) == (0.81, 0.86)

    # A re-assessment by a CJ that predates the field: null, while SSR is still served.
    await query_service.fold(
        story.progress(second_job, "comparing", 30.0, minutes=60),
        story.results(second_job, minutes=70, reliability=None),
    )
    job = await current_job()
    assert (job["reliability"], job["reliability_ssr"]) == (None, 0.86)
    _, page = await query_service.get(f"/internal/v1/users/{story.user_id}/batches")
    summary = page["items"][0]["result_summary"]
    assert (summary["reliability"], summary["reliability_ssr"]) == (None, 0.86)
    _, history = await query_service.get(f"/internal/v1/batches/{story.batch_id}/history", user=story.user_id)
    [earlier] = history["jobs"]
    assert (earlier["job"]["reliability"], earlier["job"]["reliability_ssr"]) == (0.81, 0.86)


async def test_grade_cut_points_are_kept_with_their_job_and_an_older_result_event_has_none(service):
    story = service.story(user_id="teacher-cuts")
    first_job, second_job = uuid.uuid4(), uuid.uuid4()
    published = [cut.model_dump(mode="json") for cut in CUT_POINTS]
    await service.publish(story.registered(), story.results(first_job, minutes=9))
    await service.until_status(story, "completed", job_id=str(first_job))
    job = (await service.detail(story))["current_job"]
    assert job["grade_cut_points"] == published  # every boundary, lowest first

    # A re-assessment whose result event comes from a CJ that predates the field: no key on the wire at all.
    older = story.results(second_job, minutes=70)
    wire = json.loads(older.to_bytes())
    del wire["data"]["grade_cut_points"]
    await service.publisher.publish_raw(
        older.event_type, json.dumps(wire).encode(), key=str(story.batch_id), headers=older.kafka_headers()
    )
    await service.until_status(story, "completed", job_id=str(second_job))
    assert (await service.detail(story))["current_job"]["grade_cut_points"] == []
    # The earlier job keeps its own, in the history.
    status, history = await service.get(f"/internal/v1/batches/{story.batch_id}/history", user=story.user_id)
    assert status == 200
    [earlier] = history["jobs"]
    assert (earlier["job"]["job_id"], earlier["job"]["grade_cut_points"]) == (str(first_job), published)


async def test_a_list_row_says_when_its_results_are_partial(service):
    whole, partial = (
        service.story(user_id="teacher-partial", title="Whole"),
        service.story(user_id="teacher-partial", title="Partial"),
    )
    for story, forced in ((whole, False), (partial, True)):
        job = uuid.uuid4()
        await service.publish(
            story.registered(), story.results(job, minutes=9), story.completed(job, 10, forced_recovery=forced)
        )
        await service.until_status(story, "completed", job_id=str(job), partial=forced)
    status, page = await service.get("/internal/v1/users/teacher-partial/batches", user="teacher-partial")
    assert status == 200
    flags = {item["title"]: item["result_summary"]["partial"] for item in page["items"]}
    assert flags == {"Whole": False, "Partial": True}


def _folded(event: str, outcome: str) -> float:
    return (
        REGISTRY.get_sample_value("result_aggregator_events_folded_total", {"event": event, "outcome": outcome}) or 0.0
    )


async def test_out_of_order_delivery_reaches_the_right_final_state(service):
    story = service.story(user_id="teacher-ooo")
    job_id = uuid.uuid4()
    early_results = _folded("assessment.result.published", "early")
    stale_progress = _folded("cj_assessment.progress", "stale")
    # Results first, then completion, then the registration; progress of the same job last.
    for envelope in [
        story.results(job_id, minutes=8.5),
        story.uploaded(1),
        story.completed(job_id, minutes=8),
    ]:
        await service.publish(envelope)
    await service.drain()
    # Kept, but shown to nobody until the registration arrives.
    status, _ = await service.get(f"/internal/v1/batches/{story.batch_id}", user=story.user_id)
    assert status == 404
    assert (await service.get(f"/internal/v1/users/{story.user_id}/batches"))[1]["total"] == 0

    for envelope in [
        story.registered(),
        story.uploaded(0),
        story.uploaded(2),
        story.progress(job_id, "comparing", 50.0, minutes=6),
        story.progress(job_id, "created", 0.0, minutes=5),
    ]:
        await service.publish(envelope)
    await service.drain()

    detail = await service.detail(story)
    assert detail["batch"]["status"] == "completed", "late progress flipped a completed batch back"
    assert detail["batch"]["progress_percentage"] == 100.0
    assert detail["batch"]["essay_count"] == 3
    assert detail["batch"]["completed_at"] == "2026-11-30T09:08:00Z"
    assert detail["current_job"]["state"] == "completed"
    assert detail["current_job"]["progress_percentage"] == 50.0, "the older report (0 %) must not win"
    assert detail["current_job"]["started_at"] == "2026-11-30T09:05:00Z"
    assert [e["result"]["grade"] for e in detail["essays"]] == ["A", "B", "C", "E"]
    assert all(e["filename"] for e in detail["essays"] if not e["is_anchor"])
    # The drains fold early markers too, so the counters rose by at least this story's share.
    assert _folded("assessment.result.published", "early") >= early_results + 1
    assert _folded("cj_assessment.progress", "stale") >= stale_progress + 1


async def test_a_new_job_replaces_the_results_and_keeps_the_old_ones_as_history(service):
    story = service.story(user_id="teacher-again")
    first_job, second_job = uuid.uuid4(), uuid.uuid4()
    for envelope in [
        story.registered(),
        *(story.uploaded(i) for i in range(3)),
        story.progress(first_job, "comparing", 40.0, minutes=5),
        story.results(first_job, minutes=9),
        story.completed(first_job, minutes=9),
        story.progress(second_job, "comparing", 30.0, minutes=60),
    ]:
        await service.publish(envelope)
    await service.until_status(story, "assessing", job_id=str(second_job))
    detail = await service.detail(story)
    assert detail["batch"]["result_summary"] is None
    assert detail["batch"]["progress_percentage"] == 30.0
    assert all(e["result"] is None for e in detail["essays"])

    # The new job's results (ranks reversed), and a late progress report of the old job.
    await service.publish(story.results(second_job, minutes=70, reverse=True))
    await service.publish(story.progress(first_job, "comparing", 80.0, minutes=7))
    await service.until_status(story, "completed", job_id=str(second_job))
    await service.drain()

    detail = await service.detail(story)
    assert detail["current_job"]["job_id"] == str(second_job)
    ranked = [e["essay_id"] for e in detail["essays"] if not e["is_anchor"]]
    assert ranked == [str(i) for i in reversed(story.essay_ids)]
    status, history = await service.get(f"/internal/v1/batches/{story.batch_id}/history", user=story.user_id)
    assert status == 200
    assert history["current_job_id"] == str(second_job)
    [earlier] = history["jobs"]
    assert earlier["job"]["job_id"] == str(first_job)
    assert earlier["job"]["status"] == "completed"
    assert [r["essay_id"] for r in earlier["results"] if not r["is_anchor"]] == [str(i) for i in story.essay_ids]
    assert [r["rank"] for r in earlier["results"]] == [1, 2, 3, 4]


async def test_a_failed_job_and_a_failure_before_any_job(service):
    story = service.story(user_id="teacher-fail")
    job_id = uuid.uuid4()
    await service.publish(story.registered(), story.failed(None, minutes=2))
    await service.until_status(story, "failed", job_id=None)
    await service.publish(story.progress(job_id, "comparing", 20.0, minutes=5))
    await service.until_status(story, "assessing", job_id=str(job_id))
    # The failure, then a progress report that CJ sent before failing but that arrives after it.
    await service.publish(story.failed(job_id, minutes=6), story.progress(job_id, "comparing", 60.0, minutes=5.5))
    await service.until_status(story, "failed", job_id=str(job_id))
    await service.drain()
    detail = await service.detail(story)
    assert detail["batch"]["status"] == "failed"
    assert detail["current_job"]["failure"] == {"code": "LLM_UNAVAILABLE", "message": "The judge could not be reached."}
    # The late report counts (it is newer than the last one applied) but cannot reopen the job.
    assert detail["current_job"]["state"] == "failed"
    assert detail["current_job"]["progress_percentage"] == 60.0
    _, history = await service.get(f"/internal/v1/batches/{story.batch_id}/history", user=story.user_id)
    [request_failure] = history["jobs"]
    assert request_failure["job"]["job_id"] is None
    assert request_failure["job"]["status"] == "failed"


async def test_a_result_event_is_visible_on_the_next_query(service):
    """No cache stands between the fold and the query, so no stale answer can follow an event."""
    story = service.story(user_id="teacher-fresh")
    job_id = uuid.uuid4()
    for envelope in [
        story.registered(),
        story.uploaded(0),
        story.progress(job_id, "comparing", 50.0, minutes=5),
    ]:
        await service.publish(envelope)
    await service.until_status(story, "assessing")
    await service.drain()
    before = await service.detail(story)
    assert before["essays"][0]["result"] is None
    await service.publish(story.results(job_id, minutes=9))
    await service.until_status(story, "completed")
    # The first answer that shows the new status also shows all of the new results.
    after = await service.detail(story)
    assert after["essays"][0]["result"]["grade"] == "A"
    assert after["batch"]["result_summary"]["grade_distribution"]["A"] == 1


async def test_every_declared_metric_is_emitted(service):
    story = service.story(user_id="teacher-metrics")
    await service.publish(story.registered())
    await service.until_status(story, "draft")
    response = await service.client.get("/metrics")
    exposition = (await response.get_data()).decode()
    declared = [m for m in vars(ras_metrics).values() if isinstance(m, MetricWrapperBase)]
    assert declared
    for metric in declared:
        for family in metric.describe():
            assert re.search(rf"^{family.name}(_total|_bucket|_count|_sum)?{{", exposition, re.M), family.name
