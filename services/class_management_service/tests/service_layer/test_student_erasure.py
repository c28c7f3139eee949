"""Erasing one student over the in-memory fakes: the preview lists every essay confirmed as theirs, its token
erases exactly that set (the student, those essays, the events naming them) and announces it once; a token
that is stale, expired, another student's or malformed changes nothing; anyone else's student is a 404."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from class_management_service.domain.erasure_token import make_token
from class_management_service.service_layer import student_erasure, students
from common_core.events.classes import (
    EssayStudentAssociationsConfirmedV1,
    StudentCreatedV1,
    StudentErasedV1,
    StudentUpdatedV1,
)
from common_core.http.class_management import StudentErasureRequest
from huleedu_service_libs.errors import ConflictError, NotFoundError, ValidationFailedError
from services.class_management_service.tests.service_layer.test_associations import ANNA, BERTIL, Batch


class Setup:
    """Tuva's essays confirmed in two batches, Åsa's in one of them, and an essay only suggested as Tuva's."""

    def __init__(self, service) -> None:
        self.service = service
        self.first = Batch(service)
        self.second = Batch(service)

    async def build(self) -> None:
        await self.first.build_class()
        self.second.class_id, self.second.students = self.first.class_id, self.first.students
        await self.first.register()
        await self.second.register()
        self.tuva, self.asa = self.first.students["Tuva"], self.first.students["Åsa"]
        self.tuva_first = await self.first.upload("Karlsson Tuva", filename="tuva_1.docx")
        self.asa_first = await self.first.upload("Åsa Öberg", filename="asa_1.docx")
        self.tuva_second = await self.second.upload(None, filename="tuva_2.docx")
        self.suggested_only = await self.second.upload("Tuva Karlsson", filename="maybe_tuva.docx")
        await self.first.confirm(a=(self.tuva_first, self.tuva), b=(self.asa_first, self.asa))
        await self.second.confirm(a=(self.tuva_second, self.tuva))
        assert self.service.uow.state.essays[self.suggested_only].suggested_student_id == self.tuva

    async def preview(self, student_id: uuid.UUID, owner: str = ANNA):
        async with self.service.uow() as uow:
            return await student_erasure.preview_erasure(uow, owner, student_id)

    async def erase(self, student_id: uuid.UUID, token: str, owner: str = ANNA) -> None:
        async with self.service.uow() as uow:
            await student_erasure.erase_student(uow, owner, student_id, StudentErasureRequest(confirmation_token=token))


@pytest.fixture
async def setup(service) -> Setup:
    built = Setup(service)
    await built.build()
    return built


async def test_the_preview_lists_every_essay_confirmed_as_the_students_and_only_those(setup):
    preview = await setup.preview(setup.tuva)

    assert (preview.student_id, preview.first_name, preview.last_name) == (setup.tuva, "Tuva", "Karlsson")
    listed = {(e.batch_id, e.essay_id, e.filename) for e in preview.essays}
    assert listed == {
        (setup.first.batch_id, setup.tuva_first, "tuva_1.docx"),
        (setup.second.batch_id, setup.tuva_second, "tuva_2.docx"),
    }
    remaining = preview.expires_at - datetime.now(UTC)
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)
    # Looking changes nothing.
    assert setup.tuva in setup.service.uow.state.students


async def test_confirming_erases_the_student_their_essays_and_the_events_naming_them_and_announces_it(setup):
    state = setup.service.uow.state
    preview = await setup.preview(setup.tuva)

    await setup.erase(setup.tuva, preview.confirmation_token)

    assert setup.tuva not in state.students
    assert all(student != setup.tuva for _, student in state.roster)
    assert setup.tuva_first not in state.essays
    assert setup.tuva_second not in state.essays
    # Åsa's essay stays confirmed as hers; the essay only suggested as Tuva's stays, without the suggestion.
    assert state.essays[setup.asa_first].confirmed_student_id == setup.asa
    assert state.essays[setup.suggested_only].suggested_student_id is None
    assert state.locked_students == [setup.tuva]
    # Tuva's own events (her name) and the confirmations naming her essays are gone; exactly one erasure event.
    assert [e.student_id for e in setup.service.uow.events_of(StudentCreatedV1)] == [setup.asa]
    assert setup.service.uow.events_of(StudentUpdatedV1) == []
    confirmations = setup.service.uow.events_of(EssayStudentAssociationsConfirmedV1)
    assert confirmations == []  # the first batch's confirmation named Tuva's essay along with Åsa's
    [erased] = setup.service.uow.events_of(StudentErasedV1)
    assert (erased.student_id, erased.user_id) == (setup.tuva, ANNA)
    assert {(e.batch_id, e.essay_id) for e in erased.essays} == {
        (setup.first.batch_id, setup.tuva_first),
        (setup.second.batch_id, setup.tuva_second),
    }
    [event] = [e for e in setup.service.uow.committed_events if isinstance(e.payload, StudentErasedV1)]
    assert event.key == str(setup.tuva)

    # Twice: the student is gone.
    with pytest.raises(NotFoundError):
        await setup.erase(setup.tuva, preview.confirmation_token)
    with pytest.raises(NotFoundError):
        await setup.preview(setup.tuva)
    assert len(setup.service.uow.events_of(StudentErasedV1)) == 1


async def test_a_student_without_confirmed_essays_is_erased_with_an_empty_list(setup, service):
    extra = await setup.first.add_student("Nils", "Holm")
    preview = await setup.preview(extra)
    assert preview.essays == []

    await setup.erase(extra, preview.confirmation_token)

    [erased] = service.uow.events_of(StudentErasedV1)
    assert (erased.student_id, erased.essays) == (extra, [])


async def test_a_token_for_another_set_of_essays_changes_nothing_and_asks_to_look_again(setup, service):
    preview = await setup.preview(setup.tuva)
    # Meanwhile the teacher confirms another essay as Tuva's.
    await setup.second.confirm(a=(setup.suggested_only, setup.tuva))
    before = (dict(service.uow.state.essays), dict(service.uow.state.students), len(service.uow.committed_events))

    with pytest.raises(ConflictError, match="look at the erasure again") as raised:
        await setup.erase(setup.tuva, preview.confirmation_token)

    assert raised.value.details == {"reason": "confirmation_stale"}
    after = (dict(service.uow.state.essays), dict(service.uow.state.students), len(service.uow.committed_events))
    assert after == before
    # The new preview's token erases the three.
    fresh = await setup.preview(setup.tuva)
    await setup.erase(setup.tuva, fresh.confirmation_token)
    [erased] = service.uow.events_of(StudentErasedV1)
    assert len(erased.essays) == 3


async def test_another_students_token_and_an_expired_one_change_nothing(setup, service):
    asa_token = (await setup.preview(setup.asa)).confirmation_token
    essay_ids = [setup.tuva_first, setup.tuva_second]
    expired = make_token(setup.tuva, essay_ids, datetime.now(UTC) - timedelta(seconds=1))

    with pytest.raises(ConflictError, match="changed since"):
        await setup.erase(setup.tuva, asa_token)
    with pytest.raises(ConflictError, match="expired") as raised:
        await setup.erase(setup.tuva, expired)

    assert raised.value.details == {"reason": "confirmation_expired"}
    assert setup.tuva in service.uow.state.students
    assert service.uow.events_of(StudentErasedV1) == []


@pytest.mark.parametrize(
    "token",
    ["nonsense", "v2.00000000000000000000000000000000.2026-12-07T04:00:00Z", "v1.abc.2026-12-07T04:00:00Z", "v1.x.y"],
)
async def test_a_malformed_token_is_a_validation_error_naming_the_field(setup, service, token: str):
    with pytest.raises(ValidationFailedError) as raised:
        await setup.erase(setup.tuva, token)

    assert raised.value.details["fields"][0]["field"] == "confirmation_token"
    assert "look at the erasure again" in raised.value.message
    assert setup.tuva in service.uow.state.students


async def test_anyone_elses_student_is_a_404_for_the_preview_and_the_erasure(setup, service):
    preview = await setup.preview(setup.tuva)

    with pytest.raises(NotFoundError):
        await setup.preview(setup.tuva, owner=BERTIL)
    with pytest.raises(NotFoundError):
        await setup.erase(setup.tuva, preview.confirmation_token, owner=BERTIL)
    with pytest.raises(NotFoundError):
        await setup.preview(uuid.uuid4())

    assert setup.tuva in service.uow.state.students
    assert service.uow.events_of(StudentErasedV1) == []


async def test_the_students_record_holds_the_same_confirmed_essays_and_their_classes(setup):
    """The data export's part from CMS (``students.student_record``) lists what the erasure would take."""
    async with setup.service.uow() as uow:
        record = await students.student_record(uow, ANNA, setup.tuva)
        with pytest.raises(NotFoundError):
            await students.student_record(uow, BERTIL, setup.tuva)

    assert (record.student.student_id, record.student.last_name) == (setup.tuva, "Karlsson")
    assert [(c.class_id, c.name) for c in record.classes] == [(setup.first.class_id, "9B")]
    assert {e.essay_id for e in record.essays} == {setup.tuva_first, setup.tuva_second}
    assert record.essays == (await setup.preview(setup.tuva)).essays
