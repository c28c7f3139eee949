"""Database access for assignments and anchors (caller's transaction)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cj_assessment_service.adapters.tables import anchors, assignments


async def insert_assignment(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(assignments).values(**values))


async def get_assignment(session: AsyncSession, assignment_id: uuid.UUID) -> Row[Any] | None:
    return (await session.execute(select(assignments).where(assignments.c.id == assignment_id))).first()


async def update_assignment(session: AsyncSession, assignment_id: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(
        update(assignments).where(assignments.c.id == assignment_id).values(updated_at=func.now(), **values)
    )


async def visible_assignments(session: AsyncSession, user_id: str) -> list[Row[Any]]:
    """The user's own assignments and every shared one, with their anchor counts."""
    counts = (
        select(func.count()).where(anchors.c.assignment_id == assignments.c.id).scalar_subquery().label("anchor_count")
    )
    statement = (
        select(assignments, counts)
        .where(or_(assignments.c.owner_user_id == user_id, assignments.c.shared.is_(True)))
        .order_by(assignments.c.created_at.desc())
    )
    return list((await session.execute(statement)).all())


async def count_anchors(session: AsyncSession, assignment_id: uuid.UUID) -> int:
    statement = select(func.count()).where(anchors.c.assignment_id == assignment_id)
    return int((await session.execute(statement)).scalar_one())


async def list_anchors(session: AsyncSession, assignment_id: uuid.UUID) -> list[Row[Any]]:
    statement = select(anchors).where(anchors.c.assignment_id == assignment_id).order_by(anchors.c.created_at)
    return list((await session.execute(statement)).all())


async def existing_labels(session: AsyncSession, assignment_id: uuid.UUID, labels: list[str]) -> list[str]:
    statement = select(anchors.c.label).where(anchors.c.assignment_id == assignment_id, anchors.c.label.in_(labels))
    return sorted((await session.execute(statement)).scalars())


async def insert_anchors(session: AsyncSession, rows: list[dict[str, Any]]) -> list[Row[Any]]:
    result = await session.execute(insert(anchors).returning(anchors), rows)
    return list(result.all())


async def delete_anchor(session: AsyncSession, assignment_id: uuid.UUID, anchor_id: uuid.UUID) -> bool:
    statement = delete(anchors).where(anchors.c.id == anchor_id, anchors.c.assignment_id == assignment_id)
    return bool((await session.execute(statement.returning(anchors.c.id))).first())
