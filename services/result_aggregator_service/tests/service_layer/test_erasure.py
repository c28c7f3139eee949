"""Class management's erasures against the in-memory read model: one student's essays, a teacher's account."""

from __future__ import annotations

import uuid

from common_core.status import BatchStatus, CJJobState

from .conftest import BatchRow, FoldedCounts, ReadModel, Story


async def _assessed(read_model: ReadModel, story: Story, job_id: uuid.UUID) -> None:
    await read_model.fold(
        story.registered(),
        *(story.uploaded(i) for i in range(3)),
        story.completed(job_id, minutes=8),
        story.results(job_id, minutes=9),
    )


async def test_a_students_essays_and_results_go_and_the_aggregates_stay(
    read_model: ReadModel, story: Story, folded: FoldedCounts
) -> None:
    job_id, earlier_job = uuid.uuid4(), uuid.uuid4()
    await read_model.fold(story.results(earlier_job, minutes=3))  # a first assessment, with the essay too
    await _assessed(read_model, story, job_id)
    before = read_model.snapshot()

    await read_model.fold(story.student_erased(1, minutes=20))

    gone = story.essay_ids[1]
    state = read_model.state
    assert set(state.essays) == {(story.batch_id, story.essay_ids[0]), (story.batch_id, story.essay_ids[2])}
    for key in (earlier_job, job_id):
        assert gone not in {r.essay_id for r in state.results[(story.batch_id, key)]}
        assert len(state.results[(story.batch_id, key)]) == 3  # two essays and the anchor
    assert state.erased == {(story.batch_id, gone)}
    # The batch and its jobs are as they were: counts, distribution, reliability, status.
    assert state.batches == before.batches
    assert state.jobs == before.jobs
    assert read_model.job(story, job_id)["grade_distribution"]["C"] == 1  # the erased essay's grade is counted
    assert folded("class.student_erased", "applied") == 1


async def test_an_erased_essays_late_upload_and_results_store_nothing_of_it(
    read_model: ReadModel, story: Story, folded: FoldedCounts
) -> None:
    """The erasure overtook the essay's upload and results (other topics, a consumer catching up)."""
    job_id = uuid.uuid4()
    await read_model.fold(story.registered(), story.student_erased(0, minutes=20))

    await read_model.fold(*(story.uploaded(i) for i in range(3)), story.results(job_id, minutes=9))

    gone = story.essay_ids[0]
    assert (story.batch_id, gone) not in read_model.state.essays
    assert gone not in {r.essay_id for r in read_model.state.results[(story.batch_id, job_id)]}
    assert read_model.batch(story).essay_count == 2
    assert folded("essay.uploaded", "stale") == 1


async def test_a_students_erasure_twice_or_of_a_deleted_batch_changes_nothing(
    read_model: ReadModel, story: Story
) -> None:
    other = Story()
    await _assessed(read_model, story, uuid.uuid4())
    await read_model.fold(other.registered(), other.deleted(minutes=5))
    erasure = story.student_erased(0, 2, minutes=20)
    await read_model.fold(erasure, other.student_erased(0, minutes=20))
    once = read_model.snapshot()

    await read_model.fold(erasure)

    assert read_model.state == once
    assert read_model.batch(other) == BatchRow(updated_at=other.at(5), deleted_at=other.at(5))


async def test_an_account_deletion_erases_every_batch_of_the_account_only(
    read_model: ReadModel, folded: FoldedCounts
) -> None:
    mine = [Story(user_id="teacher-gone") for _ in range(3)]
    theirs = Story(user_id="teacher-2")
    await _assessed(read_model, mine[0], uuid.uuid4())
    await read_model.fold(mine[1].registered(), mine[1].progress(uuid.uuid4(), CJJobState.COMPARING, 40.0, minutes=3))
    await read_model.fold(mine[2].registered(), mine[2].uploaded(0))
    await _assessed(read_model, theirs, uuid.uuid4())
    assert read_model.batch(mine[1]).status is BatchStatus.ASSESSING
    kept = read_model.snapshot().batches[theirs.batch_id]
    read_model.state.access_log.update({"teacher-gone": 4, "teacher-2": 2})

    await read_model.fold(mine[0].account_deleted(minutes=30))

    for story in mine:
        assert read_model.batch(story) == BatchRow(updated_at=story.at(30), deleted_at=story.at(30))
    assert {key[0] for key in read_model.state.essays} == {theirs.batch_id}
    assert {key[0] for key in read_model.state.jobs} == {theirs.batch_id}
    assert read_model.batch(theirs) == kept
    assert folded("class.teacher_account_deleted", "applied") == 3
    assert read_model.state.access_log == {"teacher-2": 2}

    # Content's batch.deleted events for the same batches, and a late result, change nothing.
    after = read_model.snapshot()
    await read_model.fold(*(story.deleted(minutes=31) for story in mine), mine[0].results(uuid.uuid4(), minutes=32))
    await read_model.fold(mine[0].account_deleted(minutes=33))
    assert read_model.state == after
