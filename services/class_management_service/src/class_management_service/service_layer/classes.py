"""Classes and their rosters. Every use case is scoped to the owner: anyone else's class is a 404."""

from __future__ import annotations

import uuid
from typing import Any

from class_management_service.domain.model import SchoolClass
from class_management_service.service_layer import students as student_service
from class_management_service.service_layer.ownership import owned_class, owned_student
from class_management_service.service_layer.ports import UnitOfWork
from common_core.events.classes import ClassCreatedV1, ClassUpdatedV1
from common_core.http.class_management import ClassCreate, ClassDetail, ClassOut, ClassRef, ClassUpdate
from huleedu_service_libs.errors import NotFoundError


def _class_out(school_class: SchoolClass) -> ClassOut:
    return ClassOut(
        class_id=school_class.class_id,
        name=school_class.name,
        course_code=school_class.course_code,
        student_count=school_class.student_count,
        created_at=school_class.created_at,
        updated_at=school_class.updated_at,
    )


async def create_class(uow: UnitOfWork, owner_id: str, body: ClassCreate) -> ClassOut:
    class_id = uuid.uuid4()
    new_class = await uow.classes.insert_class(class_id, owner_id, body.name, body.course_code)
    return await _announce(uow, owner_id, new_class, created=True)


async def _announce(uow: UnitOfWork, owner_id: str, school_class: SchoolClass, *, created: bool) -> ClassOut:
    """Emit the class's current state: ClassCreatedV1 for a new class, ClassUpdatedV1 after a change."""
    state: dict[str, Any] = {
        "class_id": school_class.class_id,
        "user_id": owner_id,
        "name": school_class.name,
        "course_code": school_class.course_code,
    }
    event = (
        ClassCreatedV1(**state, created_at=school_class.created_at)
        if created
        else ClassUpdatedV1(**state, updated_at=school_class.updated_at)
    )
    await uow.events.emit(event, key=str(school_class.class_id))
    return _class_out(school_class)


async def list_classes(uow: UnitOfWork, owner_id: str) -> list[ClassOut]:
    return [_class_out(school_class) for school_class in await uow.classes.list_classes(owner_id)]


async def get_class(uow: UnitOfWork, owner_id: str, class_id: uuid.UUID) -> ClassDetail:
    school_class = await owned_class(uow, owner_id, class_id)
    roster = await uow.classes.list_students(owner_id, class_id=class_id)
    return ClassDetail(
        **_class_out(school_class).model_dump(), students=[student_service.student_out(s) for s in roster]
    )


async def class_ref(uow: UnitOfWork, owner_id: str, class_id: uuid.UUID) -> ClassRef:
    """The lookup content service makes before a batch may name the class; not the owner's: 404."""
    school_class = await owned_class(uow, owner_id, class_id)
    return ClassRef(class_id=school_class.class_id, name=school_class.name, course_code=school_class.course_code)


async def update_class(uow: UnitOfWork, owner_id: str, class_id: uuid.UUID, body: ClassUpdate) -> ClassOut:
    await owned_class(uow, owner_id, class_id)
    await uow.classes.update_class(class_id, body.model_dump(exclude_unset=True))
    return await _announce(uow, owner_id, await owned_class(uow, owner_id, class_id), created=False)


async def delete_class(uow: UnitOfWork, owner_id: str, class_id: uuid.UUID) -> None:
    """Delete the class and its roster entries; the students themselves stay."""
    await owned_class(uow, owner_id, class_id)
    await uow.classes.delete_class(class_id)


async def add_to_roster(uow: UnitOfWork, owner_id: str, class_id: uuid.UUID, student_id: uuid.UUID) -> None:
    await owned_class(uow, owner_id, class_id)
    await owned_student(uow, owner_id, student_id)
    if await uow.classes.add_to_roster(class_id, student_id):
        await student_service.announce_update(uow, owner_id, student_id)


async def remove_from_roster(uow: UnitOfWork, owner_id: str, class_id: uuid.UUID, student_id: uuid.UUID) -> None:
    await owned_class(uow, owner_id, class_id)
    await owned_student(uow, owner_id, student_id)
    if not await uow.classes.remove_from_roster(class_id, student_id):
        raise NotFoundError(f"Student {student_id} is not in class {class_id}")
    await student_service.announce_update(uow, owner_id, student_id)
