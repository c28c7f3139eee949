"""Classes, students and rosters on PostgreSQL (service_layer.ports.ClassRepository)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by, array_agg
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.adapters.tables import class_students, classes, students
from class_management_service.domain.model import NewStudent, OwnedRecords, SchoolClass, Student
from class_management_service.domain.name_matching import RosterStudent

_STUDENT_COUNT = (
    select(func.count())
    .select_from(class_students)
    .where(class_students.c.class_id == classes.c.id)
    .scalar_subquery()
    .label("student_count")
)
# NULL when the student is in no class; read as ().
_CLASS_IDS = (
    select(array_agg(aggregate_order_by(class_students.c.class_id, class_students.c.class_id)))
    .where(class_students.c.student_id == students.c.id)
    .scalar_subquery()
    .label("class_ids")
)


def _school_class(row: Any) -> SchoolClass:
    return SchoolClass(
        class_id=row.id,
        owner_id=row.owner_id,
        name=row.name,
        course_code=row.course_code,
        student_count=row.student_count,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _student(row: Any) -> Student:
    return Student(
        student_id=row.id,
        owner_id=row.owner_id,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        class_ids=tuple(row.class_ids or ()),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlClassRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def insert_class(self, class_id: uuid.UUID, owner_id: str, name: str, course_code: str) -> SchoolClass:
        row = (
            await self._session.execute(
                insert(classes)
                .values(id=class_id, owner_id=owner_id, name=name, course_code=course_code)
                .returning(classes)
            )
        ).one()
        # A new class has no students yet.
        return SchoolClass(class_id, owner_id, row.name, row.course_code, 0, row.created_at, row.updated_at)

    async def owned_class(self, owner_id: str, class_id: uuid.UUID) -> SchoolClass | None:
        row = (
            await self._session.execute(
                select(classes, _STUDENT_COUNT).where(classes.c.id == class_id, classes.c.owner_id == owner_id)
            )
        ).one_or_none()
        return None if row is None else _school_class(row)

    async def owned_class_ids(self, owner_id: str, class_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        query = select(classes.c.id).where(classes.c.id.in_(set(class_ids)), classes.c.owner_id == owner_id)
        return set((await self._session.execute(query)).scalars().all())

    async def list_classes(self, owner_id: str) -> list[SchoolClass]:
        rows = await self._session.execute(
            select(classes, _STUDENT_COUNT).where(classes.c.owner_id == owner_id).order_by(classes.c.name, classes.c.id)
        )
        return [_school_class(row) for row in rows]

    async def update_class(self, class_id: uuid.UUID, changes: Mapping[str, object]) -> None:
        await self._session.execute(
            update(classes).where(classes.c.id == class_id).values(**changes, updated_at=datetime.now(UTC))
        )

    async def delete_class(self, class_id: uuid.UUID) -> None:
        await self._session.execute(delete(classes).where(classes.c.id == class_id))

    async def insert_student(self, student_id: uuid.UUID, owner_id: str, new: NewStudent) -> None:
        await self._session.execute(
            insert(students).values(
                id=student_id, owner_id=owner_id, first_name=new.first_name, last_name=new.last_name, email=new.email
            )
        )
        if new.class_ids:
            await self._session.execute(
                insert(class_students), [{"class_id": class_id, "student_id": student_id} for class_id in new.class_ids]
            )

    async def owned_student(self, owner_id: str, student_id: uuid.UUID) -> Student | None:
        row = (
            await self._session.execute(
                select(students, _CLASS_IDS).where(students.c.id == student_id, students.c.owner_id == owner_id)
            )
        ).one_or_none()
        return None if row is None else _student(row)

    async def lock_students(self, student_ids: Sequence[uuid.UUID]) -> None:
        await self._session.execute(
            select(students.c.id).where(students.c.id.in_(student_ids)).with_for_update(key_share=True)
        )

    async def list_students(self, owner_id: str, *, class_id: uuid.UUID | None = None) -> list[Student]:
        query = select(students, _CLASS_IDS).where(students.c.owner_id == owner_id)
        if class_id is not None:
            query = query.where(
                students.c.id.in_(select(class_students.c.student_id).where(class_students.c.class_id == class_id))
            )
        rows = await self._session.execute(query.order_by(students.c.last_name, students.c.first_name, students.c.id))
        return [_student(row) for row in rows]

    async def update_student(self, student_id: uuid.UUID, changes: Mapping[str, object]) -> None:
        await self._session.execute(
            update(students).where(students.c.id == student_id).values(**changes, updated_at=datetime.now(UTC))
        )

    async def delete_student(self, student_id: uuid.UUID) -> None:
        await self._session.execute(delete(students).where(students.c.id == student_id))

    async def add_to_roster(self, class_id: uuid.UUID, student_id: uuid.UUID) -> bool:
        added = await self._session.execute(
            pg_insert(class_students)
            .values(class_id=class_id, student_id=student_id)
            .on_conflict_do_nothing()
            .returning(class_students.c.student_id)
        )
        return added.first() is not None

    async def remove_from_roster(self, class_id: uuid.UUID, student_id: uuid.UUID) -> bool:
        removed = await self._session.execute(
            delete(class_students)
            .where(class_students.c.class_id == class_id, class_students.c.student_id == student_id)
            .returning(class_students.c.student_id)
        )
        return removed.first() is not None

    async def roster(self, class_id: uuid.UUID) -> list[RosterStudent]:
        rows = await self._session.execute(
            select(students.c.id, students.c.first_name, students.c.last_name)
            .join(class_students, class_students.c.student_id == students.c.id)
            .where(class_students.c.class_id == class_id)
            .order_by(students.c.id)
        )
        return [RosterStudent(row.id, row.first_name, row.last_name) for row in rows]

    async def lock_student(self, student_id: uuid.UUID) -> None:
        await self._session.execute(select(students.c.id).where(students.c.id == student_id).with_for_update())

    async def delete_everything_of(self, owner_id: str) -> OwnedRecords:
        # The roster rows go with either side (ON DELETE CASCADE); essays lose their links (SET NULL).
        gone_students = await self._session.execute(
            delete(students).where(students.c.owner_id == owner_id).returning(students.c.id)
        )
        gone_classes = await self._session.execute(
            delete(classes).where(classes.c.owner_id == owner_id).returning(classes.c.id)
        )
        return OwnedRecords(
            class_ids=tuple(sorted(gone_classes.scalars().all(), key=str)),
            student_ids=tuple(sorted(gone_students.scalars().all(), key=str)),
        )
