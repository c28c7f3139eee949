"""The batch and essay folds, against the in-memory read model: registration, renames, deletes, uploads."""

from __future__ import annotations

import uuid

import pytest

from common_core.status import BatchStatus, CJJobState

from .conftest import BatchRow, FoldedCounts, ReadModel, Story


async def test_a_registration_makes_the_batch_its_teachers(
    read_model: ReadModel, story: Story, folded: FoldedCounts
) -> None:
    await read_model.fold(story.registered(minutes=0))

    batch = read_model.batch(story)
    assert (batch.user_id, batch.title, batch.course_code, batch.created_at) == (
        "teacher-1",
        "Argumentative essays",
        "ENG5",
        story.at(0),
    )
    assert (batch.status, batch.current_job_id, batch.essay_count) == (BatchStatus.DRAFT, None, 0)
    assert folded("batch.registered", "applied") == 1


async def test_events_before_the_registration_are_kept_for_it(
    read_model: ReadModel, story: Story, folded: FoldedCounts
) -> None:
    await read_model.fold(story.uploaded(0, minutes=1), story.uploaded(1, minutes=2))
    early = read_model.batch(story)
    assert (early.user_id, early.essay_count) == (None, 2)  # kept, but shown to nobody yet
    assert folded("essay.uploaded", "early") == 2

    await read_model.fold(story.registered(minutes=3))

    batch = read_model.batch(story)
    assert (batch.user_id, batch.essay_count, batch.updated_at) == ("teacher-1", 2, story.at(3))


async def test_an_essay_uploaded_again_is_counted_once(read_model: ReadModel, story: Story) -> None:
    upload = story.uploaded(0)
    await read_model.fold(story.registered(), upload, upload, story.uploaded(1))

    assert read_model.batch(story).essay_count == 2


@pytest.mark.parametrize("newest_last", [True, False])
async def test_the_newest_rename_wins_in_any_order(
    read_model: ReadModel, story: Story, folded: FoldedCounts, newest_last: bool
) -> None:
    older, newer = story.renamed("Older title", minutes=2), story.renamed("Newer title", minutes=5, course_code="ENG6")
    await read_model.fold(story.registered(), *((older, newer) if newest_last else (newer, older)))

    batch = read_model.batch(story)
    assert (batch.title, batch.course_code, batch.title_updated_at) == ("Newer title", "ENG6", story.at(5))
    assert folded("batch.updated", "stale") == (0 if newest_last else 1)


async def test_a_registration_after_a_rename_keeps_the_renamed_title(read_model: ReadModel, story: Story) -> None:
    await read_model.fold(story.renamed("Renamed first", minutes=4, course_code="ENG6"), story.registered(minutes=5))

    batch = read_model.batch(story)
    assert (batch.user_id, batch.title, batch.course_code) == ("teacher-1", "Renamed first", "ENG6")


async def test_a_deleted_batch_keeps_a_tombstone_and_ignores_every_later_event(
    read_model: ReadModel, story: Story, folded: FoldedCounts
) -> None:
    job_id = uuid.uuid4()
    await read_model.fold(
        story.registered(),
        story.uploaded(0),
        story.progress(job_id, CJJobState.COMPARING, 40.0, minutes=3),
        story.deleted(minutes=4),
    )
    tombstone = read_model.snapshot()
    assert tombstone.batches[story.batch_id].deleted_at == story.at(4)
    assert tombstone.batches[story.batch_id].user_id is None
    assert (tombstone.essays, tombstone.jobs, tombstone.results) == ({}, {}, {})

    await read_model.fold(
        story.results(job_id, minutes=6),
        story.renamed("Stray rename", minutes=7),
        story.registered(minutes=8),
        story.uploaded(1, minutes=9),
    )

    assert read_model.state == tombstone
    for event in ("assessment.result.published", "batch.updated", "batch.registered", "essay.uploaded"):
        assert folded(event, "stale") == 1, event


async def test_the_tombstone_keeps_only_when_the_batch_was_deleted(read_model: ReadModel, story: Story) -> None:
    job_id = uuid.uuid4()
    await read_model.fold(
        story.registered(),
        story.renamed("Tuva's and Åsa's essays", minutes=2),
        story.uploaded(0),
        story.results(job_id, minutes=3),
        story.deleted(minutes=4),
    )

    # The batch's id (the key) and the deletion; the rest is the default of a batch nobody owns.
    batch = read_model.batch(story)
    assert batch == BatchRow(updated_at=batch.updated_at, deleted_at=story.at(4))
    assert (read_model.state.essays, read_model.state.jobs, read_model.state.results) == ({}, {}, {})


async def test_a_delete_that_overtakes_the_registration_is_final(read_model: ReadModel, story: Story) -> None:
    await read_model.fold(story.deleted(minutes=4), story.registered(minutes=0))

    batch = read_model.batch(story)
    assert (batch.user_id, batch.title, batch.deleted_at) == (None, None, story.at(4))


@pytest.mark.parametrize("event", ["registered", "renamed", "deleted", "uploaded"])
async def test_a_redelivered_batch_event_changes_nothing(read_model: ReadModel, story: Story, event: str) -> None:
    events = {
        "registered": story.registered(minutes=1),
        "renamed": story.renamed("New title", minutes=2),
        "deleted": story.deleted(minutes=3),
        "uploaded": story.uploaded(0, minutes=1),
    }
    await read_model.fold(story.registered(minutes=0), story.uploaded(1), events[event])
    once = read_model.snapshot()

    await read_model.fold(events[event])

    assert read_model.state == once
