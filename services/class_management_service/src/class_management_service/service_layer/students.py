"""Students, owned by a teacher and placed in any number of that teacher's classes."""

from __future__ import annotations

import uuid
from typing import Any

from class_management_service.domain.model import NewStudent, Student
from class_management_service.service_layer.ownership import owned_class, owned_student, require_owned_classes
from class_management_service.service_layer.ports import UnitOfWork
from common_core.events.classes import StudentCreatedV1, StudentUpdatedV1
from common_core.http.class_management import (
    ClassRef,
    ErasureEssay,
    StudentCreate,
    StudentOut,
    StudentRecord,
    StudentUpdate,
)


def student_out(student: Student) -> StudentOut:
    return StudentOut(
        student_id=student.student_id,
        first_name=student.first_name,
        last_name=student.last_name,
        email=student.email,
        class_ids=list(student.class_ids),
        created_at=student.created_at,
        updated_at=student.updated_at,
    )


async def create_student(uow: UnitOfWork, owner_id: str, body: StudentCreate) -> StudentOut:
    await require_owned_classes(uow, owner_id, body.class_ids)
    student_id = uuid.uuid4()
    class_ids = tuple(sorted(set(body.class_ids), key=str))
    await uow.classes.insert_student(
        student_id, owner_id, NewStudent(body.first_name, body.last_name, body.email, class_ids)
    )
    return await _announce(uow, owner_id, student_id, created=True)


async def list_students(uow: UnitOfWork, owner_id: str, *, class_id: uuid.UUID | None = None) -> list[StudentOut]:
    """The owner's students, or one of their classes' (another teacher's class is a 404)."""
    if class_id is not None:
        await owned_class(uow, owner_id, class_id)
    return [student_out(student) for student in await uow.classes.list_students(owner_id, class_id=class_id)]


async def get_student(uow: UnitOfWork, owner_id: str, student_id: uuid.UUID) -> StudentOut:
    return student_out(await owned_student(uow, owner_id, student_id))


async def confirmed_essays(uow: UnitOfWork, student_id: uuid.UUID) -> list[ErasureEssay]:
    """Every essay the teacher confirmed as the student's, in every batch; suggestions are not theirs yet."""
    return [
        ErasureEssay(batch_id=e.batch_id, essay_id=e.essay_id, filename=e.filename)
        for e in await uow.associations.essays_confirmed_as(student_id)
    ]


async def student_record(uow: UnitOfWork, owner_id: str, student_id: uuid.UUID) -> StudentRecord:
    """What CMS holds about one of the owner's students, for their data export: the student, their classes,
    and the essays confirmed as theirs (the same essays a student's erasure would take)."""
    student = await owned_student(uow, owner_id, student_id)
    in_classes = set(student.class_ids)
    return StudentRecord(
        student=student_out(student),
        classes=[
            ClassRef(class_id=c.class_id, name=c.name, course_code=c.course_code)
            for c in await uow.classes.list_classes(owner_id)
            if c.class_id in in_classes
        ],
        essays=await confirmed_essays(uow, student_id),
    )


async def update_student(uow: UnitOfWork, owner_id: str, student_id: uuid.UUID, body: StudentUpdate) -> StudentOut:
    await owned_student(uow, owner_id, student_id)
    await uow.classes.update_student(student_id, body.model_dump(exclude_unset=True))
    return await announce_update(uow, owner_id, student_id)


async def announce_update(uow: UnitOfWork, owner_id: str, student_id: uuid.UUID) -> StudentOut:
    """Emit the student's current state (names and classes) after a change."""
    return await _announce(uow, owner_id, student_id, created=False)


async def _announce(uow: UnitOfWork, owner_id: str, student_id: uuid.UUID, *, created: bool) -> StudentOut:
    """Emit the student's current state: StudentCreatedV1 for a new student, StudentUpdatedV1 after a change."""
    student = await owned_student(uow, owner_id, student_id)
    state: dict[str, Any] = {
        "student_id": student_id,
        "user_id": owner_id,
        "class_ids": list(student.class_ids),
        "first_name": student.first_name,
        "last_name": student.last_name,
    }
    event = (
        StudentCreatedV1(**state, created_at=student.created_at)
        if created
        else StudentUpdatedV1(**state, updated_at=student.updated_at)
    )
    await uow.events.emit(event, key=str(student_id))
    return student_out(student)


async def delete_student(uow: UnitOfWork, owner_id: str, student_id: uuid.UUID) -> None:
    """Delete the student and their roster places; associations to them are cleared (SET NULL)."""
    await owned_student(uow, owner_id, student_id)
    await uow.classes.delete_student(student_id)
