"""Students, owned by a teacher and placed in any number of that teacher's classes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.adapters.tables import class_students, students
from class_management_service.service_layer.events import emit
from class_management_service.service_layer.ownership import CLASS_IDS, owned_student_row, require_owned_classes
from common_core.events.classes import StudentCreatedV1, StudentUpdatedV1
from common_core.events.registry import EventRegistry
from common_core.http.class_management import StudentCreate, StudentOut, StudentUpdate


def student_out(row: Any) -> StudentOut:
    return StudentOut(
        student_id=row.id,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        class_ids=list(row.class_ids or []),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def create_student(
    session: AsyncSession, registry: EventRegistry, owner_id: str, body: StudentCreate
) -> StudentOut:
    await require_owned_classes(session, owner_id, body.class_ids)
    student_id = uuid.uuid4()
    await session.execute(
        insert(students).values(
            id=student_id, owner_id=owner_id, first_name=body.first_name, last_name=body.last_name, email=body.email
        )
    )
    class_ids = sorted(set(body.class_ids), key=str)
    if class_ids:
        await session.execute(
            insert(class_students), [{"class_id": class_id, "student_id": student_id} for class_id in class_ids]
        )
    row = await owned_student_row(session, owner_id, student_id)
    await emit(
        session,
        registry,
        StudentCreatedV1(
            student_id=student_id,
            user_id=owner_id,
            class_ids=list(row.class_ids or []),
            first_name=row.first_name,
            last_name=row.last_name,
            created_at=row.created_at,
        ),
        key=str(student_id),
    )
    return student_out(row)


async def list_students(session: AsyncSession, owner_id: str, *, class_id: uuid.UUID | None = None) -> list[StudentOut]:
    query = select(students, CLASS_IDS).where(students.c.owner_id == owner_id)
    if class_id is not None:
        query = query.where(
            students.c.id.in_(select(class_students.c.student_id).where(class_students.c.class_id == class_id))
        )
    rows = await session.execute(query.order_by(students.c.last_name, students.c.first_name, students.c.id))
    return [student_out(row) for row in rows]


async def get_student(session: AsyncSession, owner_id: str, student_id: uuid.UUID) -> StudentOut:
    return student_out(await owned_student_row(session, owner_id, student_id))


async def update_student(
    session: AsyncSession, registry: EventRegistry, owner_id: str, student_id: uuid.UUID, body: StudentUpdate
) -> StudentOut:
    await owned_student_row(session, owner_id, student_id)
    changes = body.model_dump(exclude_unset=True)
    await session.execute(
        update(students).where(students.c.id == student_id).values(**changes, updated_at=datetime.now(UTC))
    )
    return await announce_update(session, registry, owner_id, student_id)


async def announce_update(
    session: AsyncSession, registry: EventRegistry, owner_id: str, student_id: uuid.UUID
) -> StudentOut:
    """Emit the student's current state (names and classes) after a change."""
    row = await owned_student_row(session, owner_id, student_id)
    await emit(
        session,
        registry,
        StudentUpdatedV1(
            student_id=student_id,
            user_id=owner_id,
            class_ids=list(row.class_ids or []),
            first_name=row.first_name,
            last_name=row.last_name,
            updated_at=row.updated_at,
        ),
        key=str(student_id),
    )
    return student_out(row)


async def delete_student(session: AsyncSession, owner_id: str, student_id: uuid.UUID) -> None:
    """Delete the student and their roster places; associations to them are cleared (SET NULL)."""
    await owned_student_row(session, owner_id, student_id)
    await session.execute(delete(students).where(students.c.id == student_id))


async def roster_rows(session: AsyncSession, class_id: uuid.UUID) -> list[Any]:
    """Every student in a class, for matching; the class's ownership was checked by the caller."""
    result = await session.execute(
        select(students.c.id, students.c.first_name, students.c.last_name)
        .join(class_students, class_students.c.student_id == students.c.id)
        .where(class_students.c.class_id == class_id)
        .order_by(students.c.id)
    )
    return list(result)
