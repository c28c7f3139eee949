"""Class and student use cases over the in-memory fakes: each change announces itself, and another
teacher's class or student is a 404 everywhere, changing nothing and announcing nothing."""

import uuid

import pytest

from class_management_service.service_layer import classes, students
from common_core.events.classes import ClassCreatedV1, ClassUpdatedV1, StudentCreatedV1, StudentUpdatedV1
from common_core.http.class_management import ClassCreate, ClassUpdate, StudentCreate, StudentUpdate
from huleedu_service_libs.errors import NotFoundError

ANNA, BERTIL = "teacher-anna", "teacher-bertil"


async def _class(service, owner: str = ANNA, name: str = "9B") -> uuid.UUID:
    async with service.uow() as uow:
        return (await classes.create_class(uow, owner, ClassCreate(name=name, course_code="ENG5"))).class_id


async def _student(service, owner: str = ANNA, *class_ids: uuid.UUID, first: str = "Tuva") -> uuid.UUID:
    body = StudentCreate(first_name=first, last_name="Karlsson", class_ids=list(class_ids))
    async with service.uow() as uow:
        return (await students.create_student(uow, owner, body)).student_id


async def test_a_class_is_created_listed_and_announced_keyed_by_its_id(service):
    class_id = await _class(service)
    await _class(service, name="8A")
    await _class(service, BERTIL, name="7C")

    async with service.uow() as uow:
        listed = await classes.list_classes(uow, ANNA)
    assert [c.name for c in listed] == ["8A", "9B"]
    [created] = [e for e in service.uow.committed_events if e.payload.class_id == class_id]
    assert isinstance(created.payload, ClassCreatedV1)
    assert (created.key, created.payload.user_id, created.payload.name) == (str(class_id), ANNA, "9B")


async def test_a_student_placed_in_classes_shows_in_the_class_detail_and_its_event(service):
    nine_b, eight_a = await _class(service), await _class(service, name="8A")
    student_id = await _student(service, ANNA, nine_b, eight_a, nine_b)

    async with service.uow() as uow:
        detail = await classes.get_class(uow, ANNA, nine_b)
        in_class = await students.list_students(uow, ANNA, class_id=eight_a)
    assert detail.student_count == 1
    assert [s.student_id for s in detail.students] == [student_id]
    assert [s.student_id for s in in_class] == [student_id]
    [created] = service.uow.events_of(StudentCreatedV1)
    assert sorted(created.class_ids) == sorted([nine_b, eight_a])


async def test_another_teachers_class_or_student_is_not_found_and_nothing_changes(service):
    bertils_class = await _class(service, BERTIL, name="7C")
    bertils_student = await _student(service, BERTIL, bertils_class)
    annas_class, annas_student = await _class(service), await _student(service)
    events_before, state_before = len(service.uow.committed_events), repr(service.uow.state)

    attempts = [
        lambda uow: classes.get_class(uow, ANNA, bertils_class),
        lambda uow: classes.class_ref(uow, ANNA, bertils_class),
        lambda uow: classes.update_class(uow, ANNA, bertils_class, ClassUpdate(name="stolen")),
        lambda uow: classes.delete_class(uow, ANNA, bertils_class),
        lambda uow: classes.add_to_roster(uow, ANNA, bertils_class, annas_student),
        lambda uow: classes.add_to_roster(uow, ANNA, annas_class, bertils_student),
        lambda uow: classes.remove_from_roster(uow, ANNA, bertils_class, bertils_student),
        lambda uow: students.list_students(uow, ANNA, class_id=bertils_class),
        lambda uow: students.get_student(uow, ANNA, bertils_student),
        lambda uow: students.update_student(uow, ANNA, bertils_student, StudentUpdate(first_name="x")),
        lambda uow: students.delete_student(uow, ANNA, bertils_student),
        lambda uow: students.create_student(
            uow, ANNA, StudentCreate(first_name="Ny", last_name="Elev", class_ids=[annas_class, bertils_class])
        ),
    ]
    for attempt in attempts:
        with pytest.raises(NotFoundError):
            async with service.uow() as uow:
                await attempt(uow)

    assert repr(service.uow.state) == state_before
    assert len(service.uow.committed_events) == events_before
    assert service.uow.rollbacks == len(attempts)


async def test_updates_are_announced_with_the_new_state(service):
    class_id, student_id = await _class(service), await _student(service)
    async with service.uow() as uow:
        renamed = await classes.update_class(uow, ANNA, class_id, ClassUpdate(name="9C"))
        await students.update_student(uow, ANNA, student_id, StudentUpdate(first_name="Åsa"))

    assert renamed.name == "9C"
    [class_updated] = service.uow.events_of(ClassUpdatedV1)
    assert (class_updated.name, class_updated.updated_at) == ("9C", renamed.updated_at)
    [student_updated] = service.uow.events_of(StudentUpdatedV1)
    assert student_updated.first_name == "Åsa"


async def test_a_roster_change_is_announced_once_and_removing_an_absent_student_is_not_found(service):
    class_id, student_id = await _class(service), await _student(service)
    for _ in range(2):
        async with service.uow() as uow:
            await classes.add_to_roster(uow, ANNA, class_id, student_id)
    [placed] = service.uow.events_of(StudentUpdatedV1)
    assert placed.class_ids == [class_id]

    async with service.uow() as uow:
        await classes.remove_from_roster(uow, ANNA, class_id, student_id)
    with pytest.raises(NotFoundError, match="is not in class"):
        async with service.uow() as uow:
            await classes.remove_from_roster(uow, ANNA, class_id, student_id)
    assert [e.class_ids for e in service.uow.events_of(StudentUpdatedV1)] == [[class_id], []]


async def test_deleting_a_class_keeps_its_students(service):
    class_id = await _class(service)
    student_id = await _student(service, ANNA, class_id)
    async with service.uow() as uow:
        await classes.delete_class(uow, ANNA, class_id)
        remaining = await students.get_student(uow, ANNA, student_id)
    assert remaining.class_ids == []
    assert class_id not in service.uow.state.classes
