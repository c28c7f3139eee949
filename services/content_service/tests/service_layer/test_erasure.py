"""Class management's erasures over the in-memory fakes: one student's essays, a teacher's account (issue 23)."""

import uuid

import pytest

from common_core.envelope import deterministic_event_id, utc_now
from common_core.events.batch import BatchDeletedV1
from common_core.events.classes import ErasedEssay, StudentErasedV1, TeacherAccountDeletedV1
from common_core.http.content import CreateBatchRequest, StoreTextRequest, TextKind
from common_core.status import BatchStatus
from content_service.service_layer import batches, erasure, texts, uploads


async def _batch(service, samples, owner: str, tag: str, count: int = 3, shared: str | None = None) -> uuid.UUID:
    """A batch of ``count`` essays; ``shared`` adds an essay with that seed's text (another batch may hold it)."""
    view = await batches.create_batch(service.ctx, owner, CreateBatchRequest(title=tag, course_code="C"))
    seeds = [f"{tag}{n}" for n in range(count)] + ([shared] if shared else [])
    files = [uploads.UploadedFile(f"{seed}.txt", samples.essay_text(seed).encode()) for seed in seeds]
    result = await uploads.upload_essays(service.ctx, owner, view.batch_id, files)
    assert result.accepted == len(seeds)
    return view.batch_id


def _essays_of(service, batch_id: uuid.UUID) -> list:
    return [e for e in service.uow.state.essays if e.batch_id == batch_id]


def _erased(student_essays: list, user_id: str = "teacher-a") -> StudentErasedV1:
    return StudentErasedV1(
        student_id=uuid.uuid4(),
        user_id=user_id,
        essays=[ErasedEssay(batch_id=e.batch_id, essay_id=e.essay_id) for e in student_essays],
        erased_at=utc_now(),
    )


async def test_a_students_essays_and_their_texts_go_in_every_batch_and_the_rest_stays(service, samples):
    first = await _batch(service, samples, "teacher-a", "first")
    second = await _batch(service, samples, "teacher-a", "second", shared="common")
    third = await _batch(service, samples, "teacher-a", "third", shared="common")
    # The student wrote one essay of the first batch and the shared-text essay of the second.
    shared_essay = next(e for e in _essays_of(service, second) if e.filename == "common.txt")
    student_essays = [_essays_of(service, first)[1], shared_essay]
    texts_before = set(service.uow.state.texts)
    service.uow.committed_events.clear()

    async with service.uow() as uow:
        counts = await erasure.erase_student(_erased(student_essays), uow)

    assert counts == {"essays": 2, "texts": 1}  # the shared text is still the third batch's essay
    remaining = {e.essay_id for e in service.uow.state.essays}
    assert not remaining & {e.essay_id for e in student_essays}
    assert len(remaining) == 3 + 4 + 4 - 2
    assert set(service.uow.state.texts) == texts_before - {student_essays[0].text_id}
    assert shared_essay.text_id in service.uow.state.texts
    assert set(service.uow.state.batches) == {first, second, third}  # the batches stay
    assert sorted(service.uow.state.forgotten_event_keys) == sorted([first, second])
    assert service.uow.last_repo.locked == sorted([first, second])
    assert service.uow.committed_events == []  # nothing to announce: CMS told every service


async def test_a_students_erasure_twice_or_of_a_deleted_batch_is_harmless(service, samples):
    kept = await _batch(service, samples, "teacher-a", "kept")
    gone = await _batch(service, samples, "teacher-a", "gone")
    event = _erased([_essays_of(service, kept)[0], _essays_of(service, gone)[0]])
    await batches.delete_batch(service.ctx, "teacher-a", gone)

    async with service.uow() as uow:
        assert await erasure.erase_student(event, uow) == {"essays": 1, "texts": 1}
    async with service.uow() as uow:
        assert await erasure.erase_student(event, uow) == {"essays": 0, "texts": 0}

    assert len(_essays_of(service, kept)) == 2


async def test_an_essay_text_stored_as_an_anchor_before_stays(service, samples):
    request = StoreTextRequest(content=samples.essay_text("anchored0"), kind=TextKind.ANCHOR)
    anchor, _ = await texts.store_text(service.ctx, None, request)
    batch_id = await _batch(service, samples, "teacher-a", "anchored", count=2)
    [essay, _] = _essays_of(service, batch_id)
    assert anchor.text_id == essay.text_id

    async with service.uow() as uow:
        assert await erasure.erase_student(_erased([essay]), uow) == {"essays": 1, "texts": 0}

    assert essay.text_id in service.uow.state.texts


@pytest.mark.parametrize("per_transaction", [2, erasure.BATCHES_PER_TRANSACTION])
async def test_an_accounts_batches_are_all_deleted_and_announced_in_any_state(
    service, samples, monkeypatch, per_transaction
):
    monkeypatch.setattr(erasure, "BATCHES_PER_TRANSACTION", per_transaction)
    owned = [await _batch(service, samples, "teacher-a", f"own{n}", count=2) for n in range(5)]
    other = await _batch(service, samples, "teacher-b", "other", count=2, shared="own00")
    repo = service.uow.last_repo
    await repo.set_status(owned[0], BatchStatus.ASSESSING)
    await repo.set_status(owned[1], BatchStatus.COMPLETED)
    service.uow.committed_events.clear()
    event = TeacherAccountDeletedV1(user_id="teacher-a", deleted_at=utc_now())

    assert await erasure.delete_account(event, service.uow, service.access_log) == 5

    assert set(service.uow.state.batches) == {other}
    assert {e.batch_id for e in service.uow.state.essays} == {other}
    assert len(service.uow.state.texts) == 3  # the other teacher's, including the text it shares
    assert sorted(service.uow.state.forgotten_event_keys) == sorted(owned)
    announced = [(e.payload.batch_id, e.payload.user_id, e.event_id) for e in service.uow.committed_events]
    assert sorted(announced) == sorted(
        (batch_id, "teacher-a", deterministic_event_id("batch.deleted", batch_id)) for batch_id in owned
    )
    assert all(isinstance(e.payload, BatchDeletedV1) for e in service.uow.committed_events)
    # Redelivered: nothing left to delete, nothing announced again.
    assert await erasure.delete_account(event, service.uow, service.access_log) == 0
    assert len(service.uow.committed_events) == 5


async def test_a_failed_transaction_of_an_account_deletion_keeps_its_batches_and_the_redelivery_finishes(
    service, samples, monkeypatch
):
    monkeypatch.setattr(erasure, "BATCHES_PER_TRANSACTION", 2)
    owned = [await _batch(service, samples, "teacher-a", f"own{n}", count=2) for n in range(3)]
    service.uow.committed_events.clear()
    event = TeacherAccountDeletedV1(user_id="teacher-a", deleted_at=utc_now())
    service.uow.fail_emit_for = BatchDeletedV1

    with pytest.raises(ConnectionResetError):
        await erasure.delete_account(event, service.uow, service.access_log)

    assert set(service.uow.state.batches) == set(owned)  # the failed transaction rolled back whole
    service.uow.fail_emit_for = None
    assert await erasure.delete_account(event, service.uow, service.access_log) == 3
    assert service.uow.state.batches == {}
    assert len(service.uow.events_of(BatchDeletedV1)) == 3
