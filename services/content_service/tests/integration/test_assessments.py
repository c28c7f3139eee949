"""Starting an assessment: one request however often it is sent, and the state machine's 409s."""

import asyncio

from common_core.events.batch import BatchDeletedV1
from common_core.events.cj_assessment import CJAssessmentRequestedV1
from content_service.adapters.unit_of_work import OutboxEvents

SETTINGS = {
    "llm": {"provider": "mock", "model": "mock-judge", "temperature": 0.0, "batching_mode": "serial_bundle"},
    "budget": {"max_comparisons_per_essay": 6, "target_reliability": 0.7},
}


async def test_the_request_moves_the_batch_and_lands_on_kafka_with_the_essays(content, peers):
    assignment_id = peers.allow_assignment("teacher-a")
    batch_id = await content.batch_with_essays(assignment_id=assignment_id)
    response = await content.start_assessment(batch_id, key="k-1", body=SETTINGS)
    assert response.status_code == 202
    accepted = await response.get_json()
    assert (accepted["status"], accepted["essay_count"], accepted["replayed"]) == ("assessment_requested", 3, False)
    assert await content.batch_status(batch_id) == "assessment_requested"

    [(key, envelope)] = await content.read_events(CJAssessmentRequestedV1, 1)
    assert key == batch_id.encode()
    data = envelope["data"]
    essays = await (await content.call("GET", f"/v1/batches/{batch_id}/essays")).get_json()
    # names: what CJ redacts before the text leaves for a provider (issue 23); these essays name no author.
    assert data["essays"] == [
        {"essay_id": e["essay_id"], "text_ref": e["text_ref"], "names": []} for e in essays["items"]
    ]
    assert (data["request_id"], data["user_id"], data["course_code"]) == (accepted["request_id"], "teacher-a", "ENG5")
    assert data["assignment_id"] == assignment_id
    assert data["llm"]["temperature"] == 0.0  # zero stays zero (PITFALLS: `value or default`)
    assert data["llm"]["batching_mode"] == "serial_bundle"
    assert data["budget"] == SETTINGS["budget"]


async def test_a_repeated_request_with_the_same_key_starts_nothing_new(content):
    batch_id = await content.batch_with_essays()
    first = await (await content.start_assessment(batch_id, key="same-key")).get_json()
    # Concurrent repeats too: the batch row lock lets exactly one of them in.
    repeats = await asyncio.gather(*(content.start_assessment(batch_id, key="same-key") for _ in range(4)))
    assert [r.status_code for r in repeats] == [202] * 4
    bodies = [await r.get_json() for r in repeats]
    assert {b["request_id"] for b in bodies} == {first["request_id"]}
    assert all(b["replayed"] for b in bodies)
    assert len(await content.fetch("SELECT 1 FROM assessment_requests")) == 1
    await content.read_events(CJAssessmentRequestedV1, 1)
    assert await content.topic_size(CJAssessmentRequestedV1) == 1


async def test_without_a_key_a_repeat_while_running_answers_with_the_running_request(content):
    batch_id = await content.batch_with_essays()
    first = await (await content.start_assessment(batch_id)).get_json()
    again = await content.start_assessment(batch_id)
    assert again.status_code == 202
    assert (await again.get_json())["request_id"] == first["request_id"]
    rows = await content.fetch(
        "SELECT count(*) AS n FROM event_outbox WHERE topic = $1", content.topics[CJAssessmentRequestedV1]
    )
    assert rows[0]["n"] == 1


async def test_the_state_machine_refuses_illegal_moves_with_409(content, samples):
    batch_id = await content.batch_with_essays()
    await content.start_assessment(batch_id, key="first")
    another_key = await content.start_assessment(batch_id, key="second")
    assert another_key.status_code == 409
    assert (
        "assessment_requested cannot become assessment_requested" in (await another_key.get_json())["error"]["message"]
    )
    upload = await content.upload(batch_id, [("late.txt", samples.essay_text("late").encode())])
    assert upload.status_code == 409
    assert await content.batch_status(batch_id) == "assessment_requested"
    assert len(await content.fetch("SELECT 1 FROM essays")) == 3


async def test_a_batch_under_assessment_is_deleted_at_once_and_cj_is_told_by_the_event(content):
    """Issue 23: erasure does not wait for the assessment; CJ cancels its job when it reads batch.deleted."""
    batch_id = await content.batch_with_essays()
    assert (await content.start_assessment(batch_id, key="first")).status_code == 202

    delete = await content.call("DELETE", f"/v1/batches/{batch_id}")

    assert delete.status_code == 204
    assert await content.fetch("SELECT 1 FROM essays") == []
    assert await content.fetch("SELECT 1 FROM texts WHERE kind = 'essay'") == []
    [(key, envelope)] = await content.read_events(BatchDeletedV1, 1)
    assert (key, envelope["data"]["batch_id"]) == (batch_id.encode(), batch_id)


async def test_a_batch_needs_two_essays(content):
    batch_id = await content.batch_with_essays(count=1)
    response = await content.start_assessment(batch_id)
    assert response.status_code == 409
    assert "at least 2 essays" in (await response.get_json())["error"]["message"]
    assert await content.batch_status(batch_id) == "draft"
    assert (
        await content.fetch("SELECT 1 FROM event_outbox WHERE topic = $1", content.topics[CJAssessmentRequestedV1])
        == []
    )


async def test_bad_settings_and_keys_are_400s(content):
    batch_id = await content.batch_with_essays()
    bad_llm = await content.start_assessment(batch_id, body={"llm": {"temperature": 5}})
    assert bad_llm.status_code == 400
    assert "temperature" in str((await bad_llm.get_json())["error"]["details"])
    long_key = await content.start_assessment(batch_id, key="k" * 201)
    assert long_key.status_code == 400
    assert await content.batch_status(batch_id) == "draft"


async def test_the_state_move_and_its_event_commit_together_or_not_at_all(content, monkeypatch):
    """PITFALLS: an outbox outside the business transaction lost events when the process died between them."""
    batch_id = await content.batch_with_essays()

    async def outbox_write_fails(*args, **kwargs):
        raise ConnectionResetError("the database went away mid-transaction")

    monkeypatch.setattr(OutboxEvents, "emit", outbox_write_fails)
    response = await content.start_assessment(batch_id, key="k")
    assert response.status_code == 500
    assert await content.batch_status(batch_id) == "draft"
    assert await content.fetch("SELECT 1 FROM assessment_requests") == []
    monkeypatch.undo()
    retried = await content.start_assessment(batch_id, key="k")
    assert retried.status_code == 202
    assert (await retried.get_json())["replayed"] is False


async def test_a_reused_key_with_other_settings_is_a_422_and_starts_nothing(content):
    batch_id = await content.batch_with_essays()
    first = await (await content.start_assessment(batch_id, key="k", body=SETTINGS)).get_json()

    other = {**SETTINGS, "budget": {"max_comparisons_per_essay": 20, "target_reliability": 0.9}}
    reused = await content.start_assessment(batch_id, key="k", body=other)
    assert reused.status_code == 422
    error = (await reused.get_json())["error"]
    assert error["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert "use a new key" in error["message"]
    assert (error["details"]["request_id"], error["service"]) == (first["request_id"], "content_service")

    # The same key with the same settings (in another key order) is still a replay.
    replay = await content.start_assessment(batch_id, key="k", body=dict(reversed(list(SETTINGS.items()))))
    assert replay.status_code == 202
    assert ((await replay.get_json())["request_id"], (await replay.get_json())["replayed"]) == (
        first["request_id"],
        True,
    )
    rows = await content.fetch("SELECT request_fingerprint FROM assessment_requests")
    assert len(rows) == 1
    assert len(rows[0]["request_fingerprint"]) == 64
    await content.read_events(CJAssessmentRequestedV1, 1)
    assert await content.topic_size(CJAssessmentRequestedV1) == 1
