"""Owner-scoped lookups shared by the class and student handlers: anything not the caller's is a 404.

A 404 rather than a 403, so a teacher cannot even learn that another teacher's id exists.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by, array_agg
from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.adapters.tables import class_students, classes, students
from huleedu_service_libs.errors import NotFoundError

STUDENT_COUNT = (
    select(func.count())
    .select_from(class_students)
    .where(class_students.c.class_id == classes.c.id)
    .scalar_subquery()
    .label("student_count")
)
# NULL when the student is in no class; readers turn that into [].
CLASS_IDS = (
    select(array_agg(aggregate_order_by(class_students.c.class_id, class_students.c.class_id)))
    .where(class_students.c.student_id == students.c.id)
    .scalar_subquery()
    .label("class_ids")
)


async def owned_class_row(session: AsyncSession, owner_id: str, class_id: uuid.UUID) -> Any:
    row = (
        await session.execute(
            select(classes, STUDENT_COUNT).where(classes.c.id == class_id, classes.c.owner_id == owner_id)
        )
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"No class {class_id}")
    return row


async def owned_student_row(session: AsyncSession, owner_id: str, student_id: uuid.UUID) -> Any:
    row = (
        await session.execute(
            select(students, CLASS_IDS).where(students.c.id == student_id, students.c.owner_id == owner_id)
        )
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"No student {student_id}")
    return row


async def require_owned_classes(session: AsyncSession, owner_id: str, class_ids: Sequence[uuid.UUID]) -> None:
    wanted = set(class_ids)
    if not wanted:
        return
    found = set(
        (await session.execute(select(classes.c.id).where(classes.c.id.in_(wanted), classes.c.owner_id == owner_id)))
        .scalars()
        .all()
    )
    missing = sorted(str(class_id) for class_id in wanted - found)
    if missing:
        raise NotFoundError(f"No class {missing[0]}", details={"class_ids": missing})
