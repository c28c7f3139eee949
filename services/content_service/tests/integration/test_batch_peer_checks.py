"""A new batch (and an assessment's assignment override) may name only the teacher's own class and an
assignment the teacher may use; CMS and CJ are asked over HTTP (issue 14, defect 10)."""

from __future__ import annotations

import json
import uuid

from huleedu_service_libs.testing.local_server import free_port

from .conftest import built

TEACHER, OTHER = "teacher-a", "teacher-b"


async def _nothing_stored(content) -> bool:
    batches = await content.fetch("SELECT batch_id FROM batches")
    events = await content.fetch("SELECT 1 FROM event_outbox")
    return batches == [] and events == []


async def test_the_teachers_own_class_and_usable_assignment_are_checked_with_their_owners(content, peers):
    class_id, assignment_id = peers.allow_class(TEACHER), peers.allow_assignment(TEACHER)

    created = await content.create_batch(class_id=class_id, assignment_id=assignment_id)

    assert (created["class_id"], created["assignment_id"]) == (class_id, assignment_id)
    assert peers.calls == [
        (f"/internal/v1/classes/{class_id}", TEACHER, "content_service"),
        (f"/internal/v1/assignments/{assignment_id}", TEACHER, "content_service"),
    ]


async def test_another_teachers_class_or_assignment_is_a_404_and_nothing_is_stored_or_emitted(content, peers):
    theirs = {"class_id": peers.allow_class(OTHER), "assignment_id": peers.allow_assignment(OTHER)}
    for field, value in [*theirs.items(), ("class_id", str(uuid.uuid4())), ("assignment_id", str(uuid.uuid4()))]:
        body = {"title": "Borrowed", "course_code": "ENG5", field: value}
        refused = await content.call("POST", "/v1/batches", user=TEACHER, json_body=body)
        assert refused.status_code == 404, (field, await refused.get_data(as_text=True))
        error = (await refused.get_json())["error"]
        assert (error["code"], error["details"]) == ("NOT_FOUND", {field: value})
    assert await _nothing_stored(content)


async def test_a_peer_that_is_down_is_a_503_and_no_batch_is_created(
    content_settings, event_topics, infrastructure, unique_group_id, samples, peers
):
    nowhere = f"http://127.0.0.1:{free_port()}"
    for peer_setting, field in [
        ("class_management_service_url", "class_id"),
        ("cj_assessment_service_url", "assignment_id"),
    ]:
        settings = content_settings.model_copy(update={peer_setting: nowhere})
        async with built(settings, event_topics, infrastructure, unique_group_id, samples) as content:
            body = {"title": "Unchecked", "course_code": "ENG5", field: str(uuid.uuid4())}
            refused = await content.call("POST", "/v1/batches", user=TEACHER, json_body=body)
            assert refused.status_code == 503, await refused.get_data(as_text=True)
            error = (await refused.get_json())["error"]
            assert error["code"] == "SERVICE_UNAVAILABLE"
            assert "try again" in error["message"]
            assert await _nothing_stored(content)


async def test_an_assessment_may_override_the_assignment_only_with_a_usable_one(content, peers):
    batch_id = await content.batch_with_essays(2)
    private = peers.allow_assignment(OTHER)

    refused = await content.start_assessment(batch_id, body={"assignment_id": private})
    assert refused.status_code == 404
    assert (await content.batch_status(batch_id), await content.fetch("SELECT 1 FROM assessment_requests")) == (
        "draft",
        [],
    )

    usable = peers.allow_assignment(TEACHER)
    accepted = await content.start_assessment(batch_id, body={"assignment_id": usable})
    assert accepted.status_code == 202


async def test_an_assessment_of_a_class_batch_names_the_confirmed_students_for_redaction(content, peers):
    """Issue 23: content asks CMS which student wrote each essay; the names go to CJ with the essay refs."""
    batch_id = await content.batch_with_essays(2, class_id=peers.allow_class(TEACHER))
    essay_ids = [str(row["essay_id"]) for row in await content.fetch("SELECT essay_id FROM essays ORDER BY seq")]
    student = {"essay_id": essay_ids[0], "student_id": str(uuid.uuid4()), "first_name": "Åsa", "last_name": "Lind"}
    peers.student_names[(TEACHER, batch_id)] = [student]

    accepted = await content.start_assessment(batch_id)

    assert accepted.status_code == 202, await accepted.get_data(as_text=True)
    assert (f"/internal/v1/batches/{batch_id}/student-names", TEACHER, "content_service") in peers.calls
    [row] = await content.fetch("SELECT value FROM event_outbox WHERE topic LIKE '%requested%'")
    essays = json.loads(row["value"])["data"]["essays"]
    assert [e["names"] for e in essays] == [["Åsa Lind"], []]
