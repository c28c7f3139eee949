"""The retention policy's pass over content's batches, over the in-memory fakes (issue 23)."""

import uuid
from dataclasses import replace
from datetime import timedelta

from common_core.envelope import deterministic_event_id
from common_core.events.batch import BatchDeletedV1
from common_core.http.content import CreateBatchRequest
from common_core.status import BatchStatus
from content_service.service_layer import batches, retention, uploads


async def _batch(service, samples, now, status: BatchStatus, age: timedelta, tag: str) -> uuid.UUID:
    view = await batches.create_batch(service.ctx, "teacher-a", CreateBatchRequest(title=tag, course_code="C"))
    files = [uploads.UploadedFile(f"{tag}{n}.txt", samples.essay_text(f"{tag}{n}").encode()) for n in range(2)]
    await uploads.upload_essays(service.ctx, "teacher-a", view.batch_id, files)
    state = service.uow.state
    state.batches[view.batch_id] = replace(state.batches[view.batch_id], status=status, updated_at=now - age)
    return view.batch_id


async def _setup(service, samples):
    """A completed batch 400 days old, one 10 days old, and one still being assessed after 400 days."""
    now = service.uow.clock()
    old = await _batch(service, samples, now, BatchStatus.COMPLETED, timedelta(days=400), "old")
    recent = await _batch(service, samples, now, BatchStatus.COMPLETED, timedelta(days=10), "recent")
    running = await _batch(service, samples, now, BatchStatus.ASSESSING, timedelta(days=400), "running")
    service.uow.committed_events.clear()
    return now - timedelta(days=365), old, recent, running


async def test_with_aggregates_kept_a_due_batch_loses_its_essays_and_texts_but_stays(service, samples):
    cutoff, old, recent, running = await _setup(service, samples)

    purged = await retention.purge_expired(service.uow, cutoff, keep_aggregates=True)

    assert purged == {"batches": 0, "essays": 2, "texts": 2}
    state = service.uow.state
    assert state.batches[old].texts_purged_at is not None
    assert {e.batch_id for e in state.essays} == {recent, running}  # recent: not due; running: never mid-run
    assert len(state.texts) == 4
    assert state.forgotten_event_keys == [old]
    assert service.uow.events_of(BatchDeletedV1) == []
    # A second pass finds nothing more to do.
    assert await retention.purge_expired(service.uow, cutoff, True) == {
        "batches": 0,
        "essays": 0,
        "texts": 0,
    }


async def test_without_aggregates_a_due_batch_is_deleted_and_every_service_is_told(service, samples):
    cutoff, old, recent, running = await _setup(service, samples)

    purged = await retention.purge_expired(service.uow, cutoff, keep_aggregates=False)

    assert purged == {"batches": 1, "essays": 2, "texts": 2}
    assert set(service.uow.state.batches) == {recent, running}
    [deleted] = service.uow.committed_events
    assert isinstance(deleted.payload, BatchDeletedV1)
    assert (deleted.payload.batch_id, deleted.payload.user_id) == (old, "teacher-a")
    assert deleted.event_id == deterministic_event_id("batch.deleted", old)
