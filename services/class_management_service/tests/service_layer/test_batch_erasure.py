"""batch.deleted over the in-memory fakes: everything about the batch's essays goes, its id stays as a
tombstone that makes its late events store nothing, and erasing twice is safe."""

import copy
import uuid
from datetime import UTC, datetime

import pytest

from class_management_service.service_layer import associations, batches, unconfirmed_matches
from common_core.events.batch import BatchDeletedV1, BatchRegisteredV1, EssayUploadedV1
from common_core.events.classes import EssayStudentAssociationsConfirmedV1
from common_core.http.class_management import ConfirmAssociations
from huleedu_service_libs.errors import NotFoundError
from services.class_management_service.tests.service_layer.test_associations import ANNA, Batch


@pytest.fixture
async def batch(service) -> Batch:
    """Anna's class 9B with Tuva Karlsson and Åsa Öberg, and a batch for it (not registered yet)."""
    built = Batch(service)
    await built.build_class()
    return built


async def delete(batch: Batch) -> None:
    event = BatchDeletedV1(batch_id=batch.batch_id, user_id=ANNA, deleted_at=datetime.now(UTC))
    async with batch.service.uow() as uow:
        await batch.service.handlers.on_batch_deleted(event, uow)


def essays_of(batch: Batch) -> list[uuid.UUID]:
    return [e.essay_id for e in batch.service.uow.state.essays.values() if e.batch_id == batch.batch_id]


async def test_deleting_a_batch_erases_its_essays_suggestions_confirmations_and_class_link(batch, service):
    other = Batch(service)  # another of Anna's batches for the same class: untouched
    other.class_id = batch.class_id
    await other.register()
    kept = await other.upload("Karlsson Tuva")
    await batch.register()
    confirmed = await batch.upload("Karlsson Tuva", filename="tuva_karlsson.docx")
    suggested = await batch.upload(None, filename="uppsats.docx", text="ÅSA ÖBERG, 9B\n\nSchool uniforms...")
    await batch.confirm(a=(confirmed, batch.students["Tuva"]))
    await other.confirm(a=(kept, batch.students["Tuva"]))
    assert service.uow.state.essays[suggested].suggested_student_id == batch.students["Åsa"]
    assert len(service.uow.events_of(EssayStudentAssociationsConfirmedV1)) == 2

    await delete(batch)

    state = service.uow.state
    assert essays_of(batch) == []
    assert batch.batch_id not in state.batches
    assert state.erased == {batch.batch_id}
    # The confirmation's event named the essay's author: it goes with the batch, the other batch's stays.
    assert [e.batch_id for e in service.uow.events_of(EssayStudentAssociationsConfirmedV1)] == [other.batch_id]
    assert essays_of(other) == [kept]
    assert state.essays[kept].confirmed_student_id == batch.students["Tuva"]
    # The roster is the teacher's, not the batch's.
    assert set(batch.students.values()) <= set(state.students)
    assert batch.class_id in state.classes


async def test_an_erased_batch_is_not_found_on_every_route(batch, service):
    await batch.register()
    essay_id = await batch.upload("Okänd Person")
    await delete(batch)

    body = ConfirmAssociations.model_validate(
        {"associations": [{"essay_id": str(essay_id), "student_id": str(batch.students["Tuva"])}]}
    )
    async with service.uow() as uow:
        with pytest.raises(NotFoundError):
            await associations.list_associations(uow, ANNA, batch.batch_id)
        with pytest.raises(NotFoundError):
            await associations.student_names(uow, ANNA, batch.batch_id)
        with pytest.raises(NotFoundError):
            await associations.rematch(uow, service.ctx.matcher, ANNA, batch.batch_id)
        with pytest.raises(NotFoundError):
            await associations.confirm_associations(uow, ANNA, batch.batch_id, body)
        info = await batches.class_info(uow, ANNA, [batch.batch_id])
        waiting = await unconfirmed_matches.unconfirmed_matches(uow, ANNA, 20, 0)
    assert info.root == {batch.batch_id: None}
    assert (waiting.items, waiting.total) == ([], 0)
    assert service.uow.events_of(EssayStudentAssociationsConfirmedV1) == []


@pytest.mark.parametrize("registered_first", [True, False])
async def test_late_events_of_an_erased_batch_store_nothing(batch, service, registered_first):
    # batch.deleted may overtake the batch's other events (different topics): the tombstone catches them.
    if registered_first:
        await batch.register()
        await batch.upload("Karlsson Tuva")
    await delete(batch)

    await batch.register()
    await batch.upload("Karlsson Tuva", filename="tuva.docx", text="Tuva Karlsson\n\nUniforms")

    assert essays_of(batch) == []
    assert batch.batch_id not in service.uow.state.batches
    assert service.uow.state.erased == {batch.batch_id}


async def test_erasing_twice_is_safe(batch, service):
    await batch.register()
    await batch.upload("Karlsson Tuva")
    await delete(batch)
    before = copy.deepcopy(service.uow.state)

    await delete(batch)  # a producer retry under a new event id: it commits and changes nothing

    assert service.uow.rollbacks == 0
    assert service.uow.state == before
    assert service.uow.state.erased == {batch.batch_id}


async def test_erasure_and_confirmation_take_the_batch_lock_first(batch, service):
    # An erasure and a confirmation at once: whichever comes second sees the first's committed rows.
    await batch.register()
    essay_id = await batch.upload("Karlsson Tuva")
    body = ConfirmAssociations.model_validate(
        {"associations": [{"essay_id": str(essay_id), "student_id": str(batch.students["Tuva"])}]}
    )
    async with service.uow() as uow:
        await associations.confirm_associations(uow, ANNA, batch.batch_id, body)
        assert uow.associations.locked == [batch.batch_id]
    async with service.uow() as uow:
        await service.handlers.on_batch_deleted(
            BatchDeletedV1(batch_id=batch.batch_id, user_id=ANNA, deleted_at=datetime.now(UTC)), uow
        )
        assert uow.associations.locked == [batch.batch_id]


async def test_the_late_events_themselves_lock_the_batch_before_reading_the_tombstone(service):
    batch_id = uuid.uuid4()
    async with service.uow() as uow:
        await service.handlers.on_batch_deleted(
            BatchDeletedV1(batch_id=batch_id, user_id=ANNA, deleted_at=datetime.now(UTC)), uow
        )
    registered = BatchRegisteredV1(
        batch_id=batch_id, user_id=ANNA, title="T", course_code="E", class_id=None, created_at=datetime.now(UTC)
    )
    essay = EssayUploadedV1(batch_id=batch_id, essay_id=uuid.uuid4(), filename="a.txt", text_ref="a" * 64, word_count=1)
    async with service.uow() as uow:
        await service.handlers.on_batch_registered(registered, uow)
        await service.handlers.on_essay_uploaded(essay, uow)
        assert uow.associations.locked == [batch_id, batch_id]
    assert service.uow.state.essays == {}
    assert service.uow.state.batches == {}
