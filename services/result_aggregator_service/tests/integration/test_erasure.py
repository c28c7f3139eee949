"""batch.deleted erases, not hides: afterwards no text, JSON or uuid column of any table holds the batch's
titles, file names, author hints, result texts or its essays' and jobs' ids; the batch id stays only as the
tombstone, late events of the batch store nothing, and a second deletion is safe."""

from __future__ import annotations

import uuid
from typing import Any

from common_core.envelope import EventEnvelope
from common_core.events.cj_assessment import FailureReason
from huleedu_service_libs.testing.column_scan import columns_holding

# A word that appears only in this batch's events, wherever a name or a free text can be.
MARKER = "Qwzrtmarker"


def marked(envelope: EventEnvelope[Any], **changes: Any) -> EventEnvelope[Any]:
    """The same event with ``changes`` to its payload (the marker in its free-text fields)."""
    return envelope.model_copy(update={"data": envelope.data.model_copy(update=changes)})


async def _found(query_service, needle: str) -> set[str]:
    """Every ``table.column`` of RAS's tables (text, JSON, binary or uuid) that holds ``needle``."""
    return await columns_holding(query_service.sessions, needle)


async def _traces(query_service, story, job_ids: list[uuid.UUID]) -> dict[str, set[str]]:
    """Where the marker, each essay id and each job id are still found."""
    needles = [MARKER, *(str(i) for i in (*story.essay_ids, story.anchor_id, *job_ids))]
    return {needle: found for needle in needles if (found := await _found(query_service, needle))}


def _full_story(story, job_id: uuid.UUID, failed_job: uuid.UUID) -> list[EventEnvelope[Any]]:
    return [
        marked(story.registered(), title=f"{MARKER} Tuva Karlsson"),
        marked(story.renamed(f"Renamed {MARKER}", minutes=2), title=f"Renamed {MARKER}"),
        *(
            marked(story.uploaded(i), filename=f"essay-{MARKER}-{i}.docx", author_hint=f"{MARKER} {i}")
            for i in range(3)
        ),
        story.progress(job_id, "comparing", 50.0, minutes=5),
        marked(story.results(job_id, minutes=9), stop_detail=MARKER, grade_projection_note=MARKER),
        marked(story.completed(job_id, minutes=9), stop_detail=MARKER),
        marked(story.failed(failed_job, minutes=10), error=FailureReason(code="LLM_UNAVAILABLE", message=MARKER)),
    ]


async def test_a_deleted_batch_leaves_no_trace_and_its_late_events_store_nothing(query_service):
    story = query_service.story("teacher-erase")
    job_id, failed_job = uuid.uuid4(), uuid.uuid4()
    await query_service.fold(*_full_story(story, job_id, failed_job))
    # The scan finds what it looks for: the marker in every place it was put, the essays and jobs.
    before = await _traces(query_service, story, [job_id, failed_job])
    assert before[MARKER] == {
        "batches.title",
        "essays.filename",
        "essays.author_hint",
        "assessment_jobs.stop_detail",
        "assessment_jobs.failure_message",
        "assessment_jobs.grade_projection_note",
        "assessment_jobs.completed_payload",
        "assessment_jobs.result_payload",
    }
    assert before[str(story.essay_ids[0])] == {"essays.essay_id", "essay_results.essay_id", "essay_results.published"}
    assert before[str(job_id)] == {
        "assessment_jobs.job_id",
        "assessment_jobs.completed_payload",
        "assessment_jobs.result_payload",
        "essay_results.job_id",
    }
    assert before[str(failed_job)] == {"assessment_jobs.job_id", "batches.current_job_id"}  # it started last

    await query_service.fold(story.deleted(minutes=20))

    assert await _traces(query_service, story, [job_id, failed_job]) == {}
    assert await _found(query_service, str(story.batch_id)) == {"batches.batch_id"}

    # Every kind of late event, the marker in it, then the deletion again: nothing is stored.
    late_job = uuid.uuid4()
    await query_service.fold(*_full_story(story, late_job, uuid.uuid4()), story.deleted(minutes=30))

    assert await _traces(query_service, story, [job_id, failed_job, late_job]) == {}
    assert await _found(query_service, str(story.batch_id)) == {"batches.batch_id"}
    status, _ = await query_service.get(f"/internal/v1/batches/{story.batch_id}", user=story.user_id)
    assert status == 404
