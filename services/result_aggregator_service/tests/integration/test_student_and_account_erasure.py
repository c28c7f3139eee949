"""class.student_erased and class.teacher_account_deleted erase, not hide (issue 23): afterwards no text, JSON
or uuid column of any table holds the erased essays' file names, author hints or results (their ids stay
only as tombstones), nor anything of a deleted account's batches; late events store nothing again."""

from __future__ import annotations

import uuid

from .test_erasure import MARKER, _found, marked


def _uploads(story, student_index: int) -> list:
    """The batch's three uploads; the student's carries the marker in its file name and author hint."""
    return [
        marked(story.uploaded(i), filename=f"essay-{MARKER}.docx", author_hint=f"{MARKER} Tuva")
        if i == student_index
        else story.uploaded(i)
        for i in range(3)
    ]


async def test_a_students_erasure_leaves_no_trace_of_their_essays_and_keeps_the_aggregates(query_service):
    story = query_service.story("teacher-erase-student")
    job_id = uuid.uuid4()
    await query_service.fold(
        story.registered(), *_uploads(story, 1), story.completed(job_id, minutes=8), story.results(job_id, minutes=9)
    )
    gone = str(story.essay_ids[1])
    # The scan finds what it looks for.
    assert await _found(query_service, MARKER) == {"essays.filename", "essays.author_hint"}
    assert await _found(query_service, gone) == {"essays.essay_id", "essay_results.essay_id", "essay_results.published"}
    _, before = await query_service.get(f"/internal/v1/batches/{story.batch_id}", user=story.user_id)

    await query_service.fold(story.student_erased(1, minutes=20))

    assert await _found(query_service, MARKER) == set()
    assert await _found(query_service, gone) == {"erased_essays.essay_id"}  # the tombstone, an id only
    status, after = await query_service.get(f"/internal/v1/batches/{story.batch_id}", user=story.user_id)
    assert status == 200
    left = [e["essay_id"] for e in before["essays"] if e["essay_id"] != gone]
    assert [e["essay_id"] for e in after["essays"]] == left
    assert len(after["essays"]) == 3  # two essays and the anchor
    # The batch's and the job's figures are as they were (the distribution still counts the erased essay).
    assert after["batch"] == before["batch"]
    assert after["current_job"] == before["current_job"]

    # The erasure again, then the essay's upload and the job's results late: nothing of it comes back.
    await query_service.fold(
        story.student_erased(1, minutes=21), *_uploads(story, 1), story.results(job_id, minutes=22)
    )
    assert await _found(query_service, MARKER) == set()
    assert await _found(query_service, gone) == {"erased_essays.essay_id"}
    _, again = await query_service.get(f"/internal/v1/batches/{story.batch_id}", user=story.user_id)
    assert len(again["essays"]) == 3


async def test_an_account_deletion_erases_every_batch_of_the_account_at_once(query_service):
    teacher = f"teacher-gone-{uuid.uuid4().hex[:6]}"
    finished, running = query_service.story(teacher, title=f"{MARKER} 9B"), query_service.story(teacher)
    other = query_service.story("teacher-stays")
    job_id = uuid.uuid4()
    await query_service.fold(
        finished.registered(),
        *_uploads(finished, 0),
        finished.completed(job_id, minutes=8),
        finished.results(job_id, minutes=9),
        running.registered(),
        *_uploads(running, 2),
        running.progress(uuid.uuid4(), "comparing", 40.0, minutes=5),
        other.registered(),
        other.uploaded(0),
    )
    assert await _found(query_service, MARKER) == {"batches.title", "essays.filename", "essays.author_hint"}
    _, listed = await query_service.get(f"/internal/v1/users/{teacher}/batches")
    assert listed["total"] == 2

    await query_service.fold(finished.account_deleted(minutes=30))

    assert await _found(query_service, MARKER) == set()
    assert await _found(query_service, teacher) == set()
    for story in (finished, running):
        assert await _found(query_service, str(story.batch_id)) == {"batches.batch_id"}
        status, _ = await query_service.get(f"/internal/v1/batches/{story.batch_id}", user=teacher)
        assert status == 404
    _, listed = await query_service.get(f"/internal/v1/users/{teacher}/batches")
    _, summary = await query_service.get(f"/internal/v1/users/{teacher}/summary")
    assert (listed["total"], summary["total_batches"]) == (0, 0)
    _, theirs = await query_service.get(f"/internal/v1/users/{other.user_id}/batches")
    assert other.batch_id in {uuid.UUID(item["batch_id"]) for item in theirs["items"]}

    # Content's batch.deleted for each, and late events of both batches: nothing is stored again.
    await query_service.fold(
        finished.deleted(minutes=31),
        running.deleted(minutes=31),
        finished.registered(),
        *_uploads(running, 2),
        finished.results(job_id, minutes=32),
    )
    assert await _found(query_service, MARKER) == set()
    assert await _found(query_service, str(finished.batch_id)) == {"batches.batch_id"}


async def test_the_running_consumer_folds_both_erasures(service):
    """Through Kafka: the app subscribes to both topics of its registry."""
    story, doomed = service.story("teacher-kafka-erase"), service.story(f"teacher-kafka-gone-{uuid.uuid4().hex[:6]}")
    await service.publish(story.registered(), *(story.uploaded(i) for i in range(3)), doomed.registered())
    await service.wait_until(lambda: _essay_count(service, story, 3))
    await service.wait_until(lambda: _shown(service, doomed, True))

    await service.publish(story.student_erased(0, 2, minutes=20), doomed.account_deleted(minutes=20))

    await service.wait_until(lambda: _essay_count(service, story, 1))
    await service.wait_until(lambda: _shown(service, doomed, False))


async def _essay_count(service, story, expected: int) -> bool:
    body = await service.detail(story)
    return bool(body) and len(body["essays"]) == expected


async def _shown(service, story, expected: bool) -> bool:
    status, _ = await service.get(f"/internal/v1/batches/{story.batch_id}", user=story.user_id)
    return (status == 200) is expected
