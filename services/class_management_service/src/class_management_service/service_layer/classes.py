"""Classes and their rosters. Every query is scoped to the owner: anyone else's class is a 404."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.adapters.tables import class_students, classes
from class_management_service.service_layer import students as student_service
from class_management_service.service_layer.events import emit
from class_management_service.service_layer.ownership import STUDENT_COUNT, owned_class_row, owned_student_row
from common_core.events.classes import ClassCreatedV1, ClassUpdatedV1
from common_core.events.registry import EventRegistry
from common_core.http.class_management import ClassCreate, ClassDetail, ClassOut, ClassRef, ClassUpdate
from huleedu_service_libs.errors import NotFoundError


def _class_out(row: Any) -> ClassOut:
    return ClassOut(
        class_id=row.id,
        name=row.name,
        course_code=row.course_code,
        student_count=row.student_count,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def create_class(session: AsyncSession, registry: EventRegistry, owner_id: str, body: ClassCreate) -> ClassOut:
    class_id = uuid.uuid4()
    row = (
        await session.execute(
            insert(classes)
            .values(id=class_id, owner_id=owner_id, name=body.name, course_code=body.course_code)
            .returning(classes)
        )
    ).one()
    await emit(
        session,
        registry,
        ClassCreatedV1(
            class_id=class_id,
            user_id=owner_id,
            name=row.name,
            course_code=row.course_code,
            created_at=row.created_at,
        ),
        key=str(class_id),
    )
    return ClassOut(
        class_id=class_id,
        name=row.name,
        course_code=row.course_code,
        student_count=0,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def list_classes(session: AsyncSession, owner_id: str) -> list[ClassOut]:
    rows = await session.execute(
        select(classes, STUDENT_COUNT).where(classes.c.owner_id == owner_id).order_by(classes.c.name, classes.c.id)
    )
    return [_class_out(row) for row in rows]


async def get_class(session: AsyncSession, owner_id: str, class_id: uuid.UUID) -> ClassDetail:
    row = await owned_class_row(session, owner_id, class_id)
    roster = await student_service.list_students(session, owner_id, class_id=class_id)
    return ClassDetail(**_class_out(row).model_dump(), students=roster)


async def class_ref(session: AsyncSession, owner_id: str, class_id: uuid.UUID) -> ClassRef:
    """The lookup content service makes before a batch may name the class; not the owner's: 404."""
    row = await owned_class_row(session, owner_id, class_id)
    return ClassRef(class_id=row.id, name=row.name, course_code=row.course_code)


async def update_class(
    session: AsyncSession, registry: EventRegistry, owner_id: str, class_id: uuid.UUID, body: ClassUpdate
) -> ClassOut:
    await owned_class_row(session, owner_id, class_id)
    changes = body.model_dump(exclude_unset=True)
    await session.execute(
        update(classes).where(classes.c.id == class_id).values(**changes, updated_at=datetime.now(UTC))
    )
    row = await owned_class_row(session, owner_id, class_id)
    await emit(
        session,
        registry,
        ClassUpdatedV1(
            class_id=class_id,
            user_id=owner_id,
            name=row.name,
            course_code=row.course_code,
            updated_at=row.updated_at,
        ),
        key=str(class_id),
    )
    return _class_out(row)


async def delete_class(session: AsyncSession, owner_id: str, class_id: uuid.UUID) -> None:
    """Delete the class and its roster entries; the students themselves stay."""
    await owned_class_row(session, owner_id, class_id)
    await session.execute(delete(classes).where(classes.c.id == class_id))


async def add_to_roster(
    session: AsyncSession, registry: EventRegistry, owner_id: str, class_id: uuid.UUID, student_id: uuid.UUID
) -> None:
    await owned_class_row(session, owner_id, class_id)
    await owned_student_row(session, owner_id, student_id)
    added = await session.execute(
        pg_insert(class_students)
        .values(class_id=class_id, student_id=student_id)
        .on_conflict_do_nothing()
        .returning(class_students.c.student_id)
    )
    if added.first() is not None:
        await student_service.announce_update(session, registry, owner_id, student_id)


async def remove_from_roster(
    session: AsyncSession, registry: EventRegistry, owner_id: str, class_id: uuid.UUID, student_id: uuid.UUID
) -> None:
    await owned_class_row(session, owner_id, class_id)
    await owned_student_row(session, owner_id, student_id)
    removed = await session.execute(
        delete(class_students)
        .where(class_students.c.class_id == class_id, class_students.c.student_id == student_id)
        .returning(class_students.c.student_id)
    )
    if removed.first() is None:
        raise NotFoundError(f"Student {student_id} is not in class {class_id}")
    await student_service.announce_update(session, registry, owner_id, student_id)
