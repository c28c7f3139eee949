"""The access log and the teacher's texts over the in-memory fakes (issue 23): what a read records, that a
read whose entry cannot be written fails, and what an account deletion takes with it."""

import uuid

import pytest

from common_core.envelope import utc_now
from common_core.events.classes import TeacherAccountDeletedV1
from common_core.http.access import AccessAction, AccessSubject
from common_core.http.content import CreateBatchRequest, StoreTextRequest, TextKind
from content_service.service_layer import batches, erasure, texts, uploads
from huleedu_service_libs.access_log import Accessor
from huleedu_service_libs.errors import NotFoundError

BFF = Accessor("teacher-a", "bff_teacher_service")
CJ_LOOKUP = Accessor(None, "cj_assessment_service")


async def _batch(service, samples, owner: str, seeds: list[str]) -> uuid.UUID:
    view = await batches.create_batch(service.ctx, owner, CreateBatchRequest(title="t", course_code="C"))
    files = [uploads.UploadedFile(f"{seed}.txt", samples.essay_text(seed).encode()) for seed in seeds]
    assert (await uploads.upload_essays(service.ctx, owner, view.batch_id, files)).accepted == len(seeds)
    return view.batch_id


def _essays(service, batch_id: uuid.UUID) -> list:
    return [e for e in service.uow.state.essays if e.batch_id == batch_id]


async def test_a_teachers_text_reads_record_each_essay_holding_a_returned_text(service, samples):
    first = await _batch(service, samples, "teacher-a", ["a0", "a1", "shared"])
    second = await _batch(service, samples, "teacher-a", ["shared"])
    a0, _, shared = _essays(service, first)
    [shared_again] = _essays(service, second)
    anchor, _ = await texts.store_text(
        service.ctx, "teacher-a", StoreTextRequest(content="An anchor", kind=TextKind.ANCHOR)
    )

    await texts.get_text(service.ctx, BFF, a0.text_id)
    export = Accessor("teacher-a", "bff_teacher_service", AccessAction.EXPORT)
    found = await texts.get_texts(service.ctx, export, [shared.text_id, anchor.text_id, "0" * 64])

    assert set(found.texts) == {shared.text_id}
    assert set(found.missing) == {anchor.text_id, "0" * 64}
    logged = [(e.owner_id, e.accessor.action, e.subject) for e in service.access_log.entries]
    assert logged == [
        ("teacher-a", AccessAction.READ, (AccessSubject.ESSAY, str(a0.essay_id))),
        ("teacher-a", AccessAction.EXPORT, (AccessSubject.ESSAY, str(shared.essay_id))),
        ("teacher-a", AccessAction.EXPORT, (AccessSubject.ESSAY, str(shared_again.essay_id))),
    ]


async def test_service_lookups_and_reads_of_nothing_record_nothing(service, samples):
    batch_id = await _batch(service, samples, "teacher-a", ["a0"])
    [essay] = _essays(service, batch_id)

    assert (await texts.get_text(service.ctx, CJ_LOOKUP, essay.text_id)).text_id == essay.text_id
    with pytest.raises(NotFoundError):
        await texts.get_text(service.ctx, Accessor("teacher-b", "bff_teacher_service"), essay.text_id)
    empty = (
        await batches.create_batch(service.ctx, "teacher-a", CreateBatchRequest(title="e", course_code="C"))
    ).batch_id
    await batches.list_essays(service.ctx, BFF, "teacher-a", empty)

    assert service.access_log.entries == []


async def test_the_essay_list_records_the_batch_and_an_unwritable_log_fails_the_read(service, samples):
    batch_id = await _batch(service, samples, "teacher-a", ["a0", "a1"])
    await batches.list_essays(service.ctx, BFF, "teacher-a", batch_id)
    assert [e.subject for e in service.access_log.entries] == [(AccessSubject.BATCH, str(batch_id))]

    service.access_log.fail = True
    with pytest.raises(ConnectionResetError):
        await batches.list_essays(service.ctx, BFF, "teacher-a", batch_id)
    with pytest.raises(ConnectionResetError):
        await texts.get_text(service.ctx, BFF, _essays(service, batch_id)[0].text_id)


async def test_an_account_deletion_takes_the_texts_only_that_teacher_stored_and_its_access_log(service, samples):
    def store(owner, content, kind=TextKind.ANCHOR):
        return texts.store_text(service.ctx, owner, StoreTextRequest(content=content, kind=kind))

    own, _ = await store("teacher-a", "Teacher A's rubric", TextKind.RUBRIC)
    shared, _ = await store("teacher-a", "A common instruction", TextKind.INSTRUCTIONS)
    await store("teacher-b", "A common instruction", TextKind.INSTRUCTIONS)
    unnamed, _ = await store(None, "Stored by a service, for no one")
    await store("teacher-a", "Stored by a service, for no one")
    batch_id = await _batch(service, samples, "teacher-b", ["b0"])
    [essay_b] = _essays(service, batch_id)
    await store("teacher-a", samples.essay_text("b0"))  # an anchor of A's that is B's essay text too
    await batches.list_essays(service.ctx, BFF, "teacher-a", await _batch(service, samples, "teacher-a", ["a0"]))
    await batches.list_essays(service.ctx, Accessor("teacher-b", "bff_teacher_service"), "teacher-b", batch_id)

    event = TeacherAccountDeletedV1(user_id="teacher-a", deleted_at=utc_now())
    assert await erasure.delete_account(event, service.uow, service.access_log) == 1

    left = service.uow.state.texts
    assert own.text_id not in left
    assert {shared.text_id, unnamed.text_id, essay_b.text_id} <= set(left)
    assert [e.owner_id for e in service.access_log.entries] == ["teacher-b"]
    # B's batch deleted later: its essay text goes now that no teacher stores it as an anchor.
    await batches.delete_batch(service.ctx, "teacher-b", batch_id)
    assert essay_b.text_id not in service.uow.state.texts
