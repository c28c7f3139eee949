"""Batch events and associations over the in-memory fakes: suggestions in either arrival order, the
teacher's confirmation as the only truth, and ownership (another teacher's batch or student is a 404)."""

import uuid
from datetime import UTC, datetime

import pytest

from class_management_service.service_layer import associations, batches, classes, students, unconfirmed_matches
from common_core.events.batch import BatchRegisteredV1, EssayUploadedV1
from common_core.events.classes import EssayStudentAssociationsConfirmedV1
from common_core.http.class_management import ClassCreate, ConfirmAssociations, StudentCreate
from huleedu_service_libs.errors import ConflictError, NotFoundError

ANNA, BERTIL = "teacher-anna", "teacher-bertil"


class Batch:
    """Anna's class 9B with Tuva Karlsson and Åsa Öberg, and a batch for it."""

    def __init__(self, service) -> None:
        self.service = service
        self.batch_id = uuid.uuid4()
        self.class_id = uuid.UUID(int=0)
        self.students: dict[str, uuid.UUID] = {}

    async def build_class(self, owner: str = ANNA) -> None:
        async with self.service.uow() as uow:
            self.class_id = (await classes.create_class(uow, owner, ClassCreate(name="9B", course_code="E"))).class_id
        for first, last in [("Tuva", "Karlsson"), ("Åsa", "Öberg")]:
            await self.add_student(first, last, owner)

    async def add_student(self, first: str, last: str, owner: str = ANNA) -> uuid.UUID:
        body = StudentCreate(first_name=first, last_name=last, class_ids=[self.class_id])
        async with self.service.uow() as uow:
            self.students[first] = (await students.create_student(uow, owner, body)).student_id
        return self.students[first]

    async def register(self, class_id: uuid.UUID | None = None, owner: str = ANNA) -> None:
        event = BatchRegisteredV1(
            batch_id=self.batch_id,
            user_id=owner,
            title="Uniforms",
            course_code="ENG5",
            class_id=class_id or self.class_id,
            created_at=datetime.now(UTC),
        )
        async with self.service.uow() as uow:
            await self.service.handlers.on_batch_registered(event, uow)

    async def upload(self, hint: str | None, filename: str = "essay.docx", text: str = "") -> uuid.UUID:
        essay = EssayUploadedV1(
            batch_id=self.batch_id,
            essay_id=uuid.uuid4(),
            filename=filename,
            text_ref=uuid.uuid4().hex * 2,
            word_count=300,
            author_hint=hint,
        )
        self.service.texts.texts[essay.text_ref] = text
        async with self.service.uow() as uow:
            await self.service.handlers.on_essay_uploaded(essay, uow)
        return essay.essay_id

    async def view(self, owner: str = ANNA):
        async with self.service.uow() as uow:
            return await associations.list_associations(uow, owner, self.batch_id)

    async def confirm(self, owner: str = ANNA, **chosen: tuple[uuid.UUID, uuid.UUID]):
        body = ConfirmAssociations.model_validate(
            {"associations": [{"essay_id": str(e), "student_id": str(s)} for e, s in chosen.values()]}
        )
        async with self.service.uow() as uow:
            return await associations.confirm_associations(uow, owner, self.batch_id, body)


@pytest.fixture
async def batch(service) -> Batch:
    built = Batch(service)
    await built.build_class()
    return built


async def test_essays_that_arrive_before_their_batch_are_matched_when_it_is_registered(batch):
    tuva = await batch.upload("Karlsson Tuva")
    asa = await batch.upload(None, filename="uppsats.docx", text="ÅSA ÖBERG, 9B\n\nSchool uniforms...")
    unknown = await batch.upload("Okänd Person")
    with pytest.raises(NotFoundError):  # CMS does not know the batch yet
        await batch.view()

    await batch.register()

    view = {e.essay_id: e for e in (await batch.view()).essays}
    assert (view[tuva].status, view[tuva].student_id, view[tuva].evidence) == (
        "suggested",
        batch.students["Tuva"],
        "author_hint",
    )
    assert (view[asa].student_id, view[asa].evidence) == (batch.students["Åsa"], "opening_lines")
    assert (view[unknown].status, view[unknown].student_id) == ("unmatched", None)
    assert batch.service.uow.state.essays[asa].opening_text == "ÅSA ÖBERG, 9B\nSchool uniforms..."


async def test_an_essay_after_its_batch_is_matched_on_arrival_and_a_retry_changes_nothing(batch):
    await batch.register()
    essay_id = await batch.upload("Tuva Karlsson")
    before = batch.service.uow.state.essays[essay_id]

    again = EssayUploadedV1(
        batch_id=batch.batch_id, essay_id=essay_id, filename="other.txt", text_ref="f" * 64, word_count=1
    )
    async with batch.service.uow() as uow:
        await batch.service.handlers.on_essay_uploaded(again, uow)
        await batch.register()  # the batch again: already known, nothing matched twice

    assert batch.service.uow.state.essays[essay_id] == before
    assert before.suggested_student_id == batch.students["Tuva"]
    assert batch.service.uow.state.essays[essay_id].filename == "essay.docx"


async def test_both_batch_events_lock_their_batch_before_anything_else(service):
    # Two replicas may handle a batch and its essay at once: the lock makes the second see the first's rows.
    batch_id = uuid.uuid4()
    essay = EssayUploadedV1(batch_id=batch_id, essay_id=uuid.uuid4(), filename="a.txt", text_ref="a" * 64, word_count=1)
    registered = BatchRegisteredV1(
        batch_id=batch_id, user_id=ANNA, title="T", course_code="E", class_id=None, created_at=datetime.now(UTC)
    )
    async with service.uow() as uow:
        await service.handlers.on_essay_uploaded(essay, uow)
        await service.handlers.on_batch_registered(registered, uow)
        assert uow.associations.locked == [batch_id, batch_id]


async def test_a_batch_naming_another_teachers_class_has_no_class_and_cannot_be_confirmed(service):
    bertils = Batch(service)
    await bertils.build_class(BERTIL)
    annas = Batch(service)
    await annas.register(class_id=bertils.class_id)
    essay_id = await annas.upload("Tuva Karlsson")

    view = await annas.view()
    assert view.class_id is None
    assert view.essays[0].status == "unmatched"
    with pytest.raises(ConflictError, match="has no class"):
        await annas.confirm(essay=(essay_id, bertils.students["Tuva"]))
    async with service.uow() as uow:
        info = await batches.class_info(uow, ANNA, [annas.batch_id])
    assert info.root == {annas.batch_id: None}


async def test_confirmation_is_the_owners_and_announces_every_choice_in_one_event(batch, service):
    await batch.register()
    tuva_essay = await batch.upload("Karlsson Tuva")
    other_essay = await batch.upload(None)

    result = await batch.confirm(a=(tuva_essay, batch.students["Tuva"]), b=(other_essay, batch.students["Åsa"]))

    assert {e.essay_id: (e.status, e.student_id) for e in result.essays} == {
        tuva_essay: ("confirmed", batch.students["Tuva"]),
        other_essay: ("confirmed", batch.students["Åsa"]),
    }
    [event] = service.uow.events_of(EssayStudentAssociationsConfirmedV1)
    assert (event.batch_id, event.class_id, event.user_id) == (batch.batch_id, batch.class_id, ANNA)
    assert {(a.essay_id, a.student_id) for a in event.associations} == {
        (tuva_essay, batch.students["Tuva"]),
        (other_essay, batch.students["Åsa"]),
    }
    async with service.uow() as uow:
        names = await associations.student_names(uow, ANNA, batch.batch_id)
    assert [(s.first_name, s.essay_id) for s in names.students] == [("Tuva", tuva_essay), ("Åsa", other_essay)]


async def test_confirming_for_another_teacher_an_unknown_essay_or_a_foreign_student_is_not_found(batch, service):
    await batch.register()
    essay_id = await batch.upload("Karlsson Tuva")
    bertils = Batch(service)
    await bertils.build_class(BERTIL)

    with pytest.raises(NotFoundError):
        await batch.confirm(BERTIL, a=(essay_id, batch.students["Tuva"]))
    with pytest.raises(NotFoundError, match="No essay"):
        await batch.confirm(a=(uuid.uuid4(), batch.students["Tuva"]))
    with pytest.raises(NotFoundError, match="No student"):
        await batch.confirm(a=(essay_id, bertils.students["Tuva"]))
    for lookup in (associations.list_associations, associations.student_names):
        with pytest.raises(NotFoundError):
            async with service.uow() as uow:
                await lookup(uow, BERTIL, batch.batch_id)
    with pytest.raises(NotFoundError):
        async with service.uow() as uow:
            await associations.rematch(uow, service.ctx.matcher, BERTIL, batch.batch_id)

    assert service.uow.state.essays[essay_id].confirmed_student_id is None
    assert service.uow.events_of(EssayStudentAssociationsConfirmedV1) == []


async def test_rematch_suggests_a_student_added_later_and_keeps_the_teachers_decisions(batch, service):
    await batch.register()
    newcomer_essay = await batch.upload("Nils Nyberg")
    confirmed_essay = await batch.upload("Karlsson Tuva")
    await batch.confirm(a=(confirmed_essay, batch.students["Åsa"]))
    assert (await batch.view()).essays[0].status == "unmatched"

    nils = await batch.add_student("Nils", "Nyberg")
    async with service.uow() as uow:
        view = await associations.rematch(uow, service.ctx.matcher, ANNA, batch.batch_id)

    by_id = {e.essay_id: e for e in view.essays}
    assert (by_id[newcomer_essay].status, by_id[newcomer_essay].student_id) == ("suggested", nils)
    assert (by_id[confirmed_essay].status, by_id[confirmed_essay].student_id) == ("confirmed", batch.students["Åsa"])


async def test_unconfirmed_matches_lists_the_owners_batches_waiting_for_a_decision(batch, service):
    await batch.register()
    await batch.upload("Karlsson Tuva")
    await batch.upload("Okänd Person")
    async with service.uow() as uow:
        annas = await unconfirmed_matches.unconfirmed_matches(uow, ANNA, 20, 0)
        bertils = await unconfirmed_matches.unconfirmed_matches(uow, BERTIL, 20, 0)

    [item] = annas.items
    assert (item.batch_id, item.class_name, item.suggested, item.unmatched, annas.total) == (
        batch.batch_id,
        "9B",
        1,
        1,
        1,
    )
    assert (bertils.items, bertils.total) == ([], 0)
