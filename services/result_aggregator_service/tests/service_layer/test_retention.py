"""The retention policy's pass over the in-memory read model (issue 23)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from common_core.status import BatchStatus, CJJobState
from result_aggregator_service.service_layer import retention

from .conftest import BatchRow, ReadModel, Story


async def _setup(read_model: ReadModel) -> tuple[Story, Story, Story, Story]:
    """Finished a day ago, finished an hour ago, assessing for a day, and a draft with essays for a day."""
    old, recent, running, draft = Story(), Story(), Story(), Story()
    for story, hours in ((old, 24), (recent, 1)):
        job_id = uuid.uuid4()
        story.created = story.created - timedelta(hours=hours)
        await read_model.fold(
            story.registered(),
            *(story.uploaded(i) for i in range(3)),
            story.completed(job_id, minutes=8),
            story.results(job_id, minutes=9),
        )
    running.created = running.created - timedelta(hours=24)
    await read_model.fold(
        running.registered(), running.uploaded(0), running.progress(uuid.uuid4(), CJJobState.COMPARING, 40, minutes=3)
    )
    draft.created = draft.created - timedelta(hours=24)
    await read_model.fold(draft.registered(), draft.uploaded(0))
    return old, recent, running, draft


async def test_with_aggregates_kept_a_due_batch_loses_its_essays_and_results_and_keeps_its_figures(
    read_model: ReadModel,
) -> None:
    old, recent, running, _ = await _setup(read_model)
    cutoff = old.created + timedelta(hours=12)
    before = read_model.snapshot()

    purged = await retention.purge_expired(read_model, cutoff, keep_aggregates=True)

    assert purged == {"batches": 0, "essays": 4, "results": 4}  # the old batch's 3 + anchor, the draft's essay
    state = read_model.state
    assert {key[0] for key in state.essays} == {recent.batch_id, running.batch_id}
    assert {key[0] for key in state.results} == {recent.batch_id}
    old_row = read_model.batch(old)
    assert old_row.essays_purged_at is not None
    assert (old_row.status, old_row.essay_count, old_row.title) == (BatchStatus.COMPLETED, 3, old.title)
    [job] = state.jobs_of(old.batch_id)
    [job_before] = before.jobs_of(old.batch_id)
    assert (job["completed_payload"], job["result_payload"]) == (None, None)
    kept = {name: value for name, value in job.items() if not name.endswith("_payload")}
    assert kept == {name: value for name, value in job_before.items() if not name.endswith("_payload")}
    assert kept["grade_distribution"]
    assert kept["result_reliability"] == 0.81
    assert read_model.batch(running) == before.batches[running.batch_id]
    # A second pass finds nothing more; a late result or upload of the purged batch stores nothing.
    assert await retention.purge_expired(read_model, cutoff, True) == {"batches": 0, "essays": 0, "results": 0}
    await read_model.fold(old.results(uuid.uuid4(), minutes=60), old.uploaded(1, minutes=61))
    assert {key[0] for key in state.essays} == {recent.batch_id, running.batch_id}
    assert {key[0] for key in state.results} == {recent.batch_id}


async def test_without_aggregates_a_due_batch_is_erased_to_a_tombstone(read_model: ReadModel) -> None:
    old, recent, running, draft = await _setup(read_model)

    purged = await retention.purge_expired(read_model, old.created + timedelta(hours=12), keep_aggregates=False)

    assert purged == {"batches": 2, "essays": 4, "results": 4}
    for story in (old, draft):
        row = read_model.batch(story)
        assert row == BatchRow(updated_at=row.updated_at, deleted_at=row.deleted_at)
        assert row.deleted_at is not None
    assert {key[0] for key in read_model.state.jobs} == {recent.batch_id, running.batch_id}


@pytest.mark.parametrize("per_transaction", [1, 2, retention.BATCHES_PER_TRANSACTION])
async def test_the_pass_goes_a_bounded_number_of_batches_to_a_transaction(
    read_model: ReadModel, monkeypatch: pytest.MonkeyPatch, per_transaction: int
) -> None:
    monkeypatch.setattr(retention, "BATCHES_PER_TRANSACTION", per_transaction)
    old, _, _, draft = await _setup(read_model)

    await retention.purge_expired(read_model, old.created + timedelta(hours=12), keep_aggregates=True)

    assert read_model.transactions == 2 // per_transaction + 1
    assert read_model.batch(draft).essays_purged_at is not None
