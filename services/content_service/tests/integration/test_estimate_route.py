"""``POST /v1/batches/{batch_id}/estimate``: the start body in, CJ's estimate of that run out (CJ stand-in)."""

from __future__ import annotations

import uuid

from common_core.events.cj_assessment import CJAssessmentRequestedV1
from huleedu_service_libs.testing.local_server import free_port

from .conftest import built

TEACHER, OTHER = "teacher-a", "teacher-b"
BODY = {"llm": {"provider": "mock", "model": "mock-judge", "batching_mode": "serial_bundle"}}


def estimate_path(batch_id: str) -> str:
    return f"/v1/batches/{batch_id}/estimate"


async def test_the_estimate_is_cjs_answer_for_the_batchs_essays_and_the_start_body(content, peers):
    assignment_id = peers.allow_assignment(TEACHER)
    batch_id = await content.batch_with_essays(3, assignment_id=assignment_id)
    peers.calls.clear()

    answer = await content.call("POST", estimate_path(batch_id), user=TEACHER, json_body=BODY)

    assert answer.status_code == 200, await answer.get_data(as_text=True)
    estimate = await answer.get_json()
    assert (estimate["batch_id"], estimate["essay_count"]) == (batch_id, 3)
    assert estimate["batching_mode"] == "serial_bundle"
    assert peers.calls == [("/internal/v1/estimates", TEACHER, "content_service")]
    [asked] = peers.estimates_asked
    essays = await content.fetch(
        "SELECT e.word_count, t.content FROM essays e JOIN texts t ON t.text_id = e.text_id WHERE e.batch_id = $1",
        uuid.UUID(batch_id),
    )
    assert asked.total_words == sum(row["word_count"] for row in essays)
    assert asked.total_characters == sum(len(row["content"].strip()) for row in essays)
    assert str(asked.assignment_id) == assignment_id
    # Estimating changes nothing: the batch is still a draft and no event waits in the outbox.
    assert await content.batch_status(batch_id) == "draft"
    assert (
        await content.fetch("SELECT 1 FROM event_outbox WHERE topic = $1", content.topics[CJAssessmentRequestedV1])
        == []
    )


async def test_an_empty_body_estimates_the_defaults_and_another_teachers_batch_is_a_404(content, peers):
    batch_id = await content.batch_with_essays(2)
    answer = await content.call("POST", estimate_path(batch_id), user=TEACHER)
    assert answer.status_code == 200
    assert (await answer.get_json())["batching_mode"] == "per_request"
    theirs = await content.call("POST", estimate_path(batch_id), user=OTHER, json_body=BODY)
    assert theirs.status_code == 404
    assert len(peers.estimates_asked) == 1


async def test_an_assignment_cj_will_not_let_the_teacher_use_is_a_404(content, peers):
    batch_id = await content.batch_with_essays(2)
    private = peers.allow_assignment(OTHER)
    refused = await content.call(
        "POST", estimate_path(batch_id), user=TEACHER, json_body={**BODY, "assignment_id": private}
    )
    assert refused.status_code == 404
    assert (await refused.get_json())["error"]["code"] == "NOT_FOUND"


async def test_cj_down_is_a_503_with_a_message_to_act_on(
    content_settings, event_topics, infrastructure, unique_group_id, samples
):
    settings = content_settings.model_copy(update={"cj_assessment_service_url": f"http://127.0.0.1:{free_port()}"})
    async with built(settings, event_topics, infrastructure, unique_group_id, samples) as content:
        batch_id = await content.batch_with_essays(2)
        answer = await content.call("POST", estimate_path(batch_id), user=TEACHER, json_body=BODY)
        assert answer.status_code == 503
        error = (await answer.get_json())["error"]
        assert error["code"] == "SERVICE_UNAVAILABLE"
        assert "try again" in error["message"]
