"""Batch use cases over the in-memory fakes: creation emits its event, ownership is a 404 everywhere."""

import uuid

import pytest

from common_core.envelope import deterministic_event_id
from common_core.events.batch import BatchDeletedV1, BatchRegisteredV1, BatchUpdatedV1
from common_core.http.content import CreateBatchRequest
from common_core.status import BatchStatus
from content_service.service_layer import batches, uploads
from huleedu_service_libs.access_log import Accessor
from huleedu_service_libs.errors import NotFoundError


async def test_creating_a_batch_stores_a_draft_and_emits_batch_registered_in_the_same_unit(service):
    class_id = service.classes.allow("teacher-a", uuid.uuid4())
    assignment_id = service.assignments.allow("teacher-a", uuid.uuid4())
    request = CreateBatchRequest(title="Essays", course_code="ENG5", class_id=class_id, assignment_id=assignment_id)

    view = await batches.create_batch(service.ctx, "teacher-a", request)

    assert (view.status, view.essay_count, view.class_id, view.assignment_id) == (
        BatchStatus.DRAFT,
        0,
        class_id,
        assignment_id,
    )
    stored = service.uow.state.batches[view.batch_id]
    assert (stored.owner_id, stored.status) == ("teacher-a", BatchStatus.DRAFT)
    [event] = service.uow.committed_events
    assert isinstance(event.payload, BatchRegisteredV1)
    assert (event.payload.class_id, event.payload.assignment_id, event.payload.user_id) == (
        class_id,
        assignment_id,
        "teacher-a",
    )
    assert event.payload.created_at == stored.created_at
    # Keyed by the batch, with a deterministic id: a replayed creation could not announce it twice.
    assert event.batch_id == view.batch_id
    assert event.event_id == deterministic_event_id("batch.registered", view.batch_id)


async def test_a_batch_creation_whose_event_cannot_be_written_leaves_no_batch(service):
    service.uow.fail_emit_for = BatchRegisteredV1
    with pytest.raises(ConnectionResetError):
        await batches.create_batch(service.ctx, "teacher-a", CreateBatchRequest(title="T", course_code="C"))
    assert service.uow.state.batches == {}
    assert service.uow.committed_events == []


async def test_another_teachers_batch_is_not_found_on_every_use_case(service, samples):
    view = await batches.create_batch(service.ctx, "teacher-a", CreateBatchRequest(title="Mine", course_code="C"))
    batch_id = view.batch_id
    attempts = [
        batches.get_batch(service.ctx, "teacher-b", batch_id),
        batches.rename_batch(service.ctx, "teacher-b", batch_id, "stolen"),
        batches.delete_batch(service.ctx, "teacher-b", batch_id),
        batches.list_essays(service.ctx, Accessor("teacher-b", "api_gateway_service"), "teacher-b", batch_id),
        uploads.upload_essays(
            service.ctx, "teacher-b", batch_id, [uploads.UploadedFile("e.txt", samples.essay_text("x").encode())]
        ),
    ]
    for attempt in attempts:
        with pytest.raises(NotFoundError):
            await attempt
    assert service.uow.state.batches[batch_id].title == "Mine"
    assert service.uow.state.essays == []
    assert (await batches.list_batches(service.ctx, "teacher-b", 20, 0)).total == 0


@pytest.mark.parametrize("status", [BatchStatus.ASSESSMENT_REQUESTED, BatchStatus.ASSESSING])
async def test_a_batch_under_assessment_is_deleted_at_once_and_the_event_tells_cj_to_stop(service, samples, status):
    """Erasure does not wait for the assessment (issue 23): CJ cancels the job when it reads batch.deleted."""
    view = await batches.create_batch(service.ctx, "teacher-a", CreateBatchRequest(title="T", course_code="C"))
    files = [uploads.UploadedFile(f"{n}.txt", samples.essay_text(f"d{n}").encode()) for n in range(2)]
    await uploads.upload_essays(service.ctx, "teacher-a", view.batch_id, files)
    await service.uow.last_repo.set_status(view.batch_id, status)

    await batches.delete_batch(service.ctx, "teacher-a", view.batch_id)

    assert view.batch_id not in service.uow.state.batches
    assert service.uow.state.texts == {}
    assert service.uow.state.forgotten_event_keys == [view.batch_id]
    [deleted] = service.uow.events_of(BatchDeletedV1)
    assert deleted.batch_id == view.batch_id


async def test_deleting_a_finished_batch_removes_its_essays_and_their_texts(service, samples):
    view = await batches.create_batch(service.ctx, "teacher-a", CreateBatchRequest(title="T", course_code="C"))
    files = [uploads.UploadedFile(f"{n}.txt", samples.essay_text(f"f{n}").encode()) for n in range(2)]
    await uploads.upload_essays(service.ctx, "teacher-a", view.batch_id, files)
    await service.uow.last_repo.set_status(view.batch_id, BatchStatus.COMPLETED)

    await batches.delete_batch(service.ctx, "teacher-a", view.batch_id)

    assert service.uow.state.batches == {}
    assert service.uow.state.essays == []
    assert service.uow.state.texts == {}


async def test_a_rename_emits_batch_updated_with_the_new_values_in_the_same_unit(service):
    view = await batches.create_batch(service.ctx, "teacher-a", CreateBatchRequest(title="Old", course_code="ENG5"))

    renamed = await batches.rename_batch(service.ctx, "teacher-a", view.batch_id, "New")
    await batches.rename_batch(service.ctx, "teacher-a", view.batch_id, "Newer")

    first, second = service.uow.events_of(BatchUpdatedV1)
    stored = service.uow.state.batches[view.batch_id]
    assert (first.title, first.course_code, first.user_id, first.updated_at) == (
        "New",
        "ENG5",
        "teacher-a",
        renamed.updated_at,
    )
    assert (second.title, second.updated_at) == ("Newer", stored.updated_at)
    assert second.updated_at > first.updated_at  # what the read models order renames by
    update_events = [e for e in service.uow.committed_events if isinstance(e.payload, BatchUpdatedV1)]
    assert all(e.batch_id == view.batch_id for e in update_events)
    assert len({e.event_id for e in update_events}) == 2  # two renames are two facts


async def test_a_rename_whose_event_cannot_be_written_keeps_the_old_title(service):
    view = await batches.create_batch(service.ctx, "teacher-a", CreateBatchRequest(title="Old", course_code="C"))
    service.uow.fail_emit_for = BatchUpdatedV1
    with pytest.raises(ConnectionResetError):
        await batches.rename_batch(service.ctx, "teacher-a", view.batch_id, "New")
    assert service.uow.state.batches[view.batch_id].title == "Old"
    assert service.uow.events_of(BatchUpdatedV1) == []


async def test_a_delete_emits_batch_deleted_in_the_same_unit_and_only_for_the_owner(service):
    view = await batches.create_batch(service.ctx, "teacher-a", CreateBatchRequest(title="T", course_code="C"))
    with pytest.raises(NotFoundError):
        await batches.delete_batch(service.ctx, "teacher-b", view.batch_id)
    assert service.uow.events_of(BatchDeletedV1) == []

    await batches.delete_batch(service.ctx, "teacher-a", view.batch_id)

    [event] = [e for e in service.uow.committed_events if isinstance(e.payload, BatchDeletedV1)]
    assert (event.payload.batch_id, event.payload.user_id) == (view.batch_id, "teacher-a")
    assert event.payload.deleted_at.tzinfo is not None
    assert (event.batch_id, event.event_id) == (view.batch_id, deterministic_event_id("batch.deleted", view.batch_id))


async def test_a_delete_whose_event_cannot_be_written_keeps_the_batch(service):
    view = await batches.create_batch(service.ctx, "teacher-a", CreateBatchRequest(title="T", course_code="C"))
    service.uow.fail_emit_for = BatchDeletedV1
    with pytest.raises(ConnectionResetError):
        await batches.delete_batch(service.ctx, "teacher-a", view.batch_id)
    assert view.batch_id in service.uow.state.batches


async def test_a_refused_delete_emits_nothing(service):
    """Another teacher's batch is not found (any state may be deleted by its owner, issue 23)."""
    view = await batches.create_batch(service.ctx, "teacher-a", CreateBatchRequest(title="T", course_code="C"))
    await service.uow.last_repo.set_status(view.batch_id, BatchStatus.ASSESSING)
    with pytest.raises(NotFoundError):
        await batches.delete_batch(service.ctx, "teacher-b", view.batch_id)
    assert service.uow.events_of(BatchDeletedV1) == []
    assert view.batch_id in service.uow.state.batches
    assert service.uow.state.forgotten_event_keys == []
