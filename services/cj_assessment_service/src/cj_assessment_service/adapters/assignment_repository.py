"""Assignments and anchors on PostgreSQL (SQLAlchemy Core, the unit of work's transaction)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import RowMapping, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cj_assessment_service.adapters.tables import anchors, assignments
from cj_assessment_service.domain.assignment import Anchor, Assignment
from cj_assessment_service.service_layer.ports import LabelTakenError

_ANCHOR_COUNT = (
    select(func.count()).where(anchors.c.assignment_id == assignments.c.id).scalar_subquery().label("anchor_count")
)


def _assignment(row: RowMapping) -> Assignment:
    return Assignment(**row)


def _anchor(row: RowMapping) -> Anchor:
    return Anchor(**row)


class SqlAssignmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, assignment_id: uuid.UUID) -> Assignment | None:
        statement = select(assignments, _ANCHOR_COUNT).where(assignments.c.id == assignment_id)
        row = (await self._session.execute(statement)).mappings().first()
        return None if row is None else _assignment(row)

    async def visible_to(self, user_id: str) -> list[Assignment]:
        statement = (
            select(assignments, _ANCHOR_COUNT)
            .where(or_(assignments.c.owner_user_id == user_id, assignments.c.shared.is_(True)))
            .order_by(assignments.c.created_at.desc())
        )
        return [_assignment(row) for row in (await self._session.execute(statement)).mappings()]

    async def add(self, assignment: Assignment) -> None:
        values = {
            "id": assignment.id,
            "owner_user_id": assignment.owner_user_id,
            "title": assignment.title,
            "course_code": assignment.course_code,
            "grade_scale": assignment.grade_scale,
            "shared": assignment.shared,
            "instructions_ref": assignment.instructions_ref,
            "student_prompt_ref": assignment.student_prompt_ref,
            "rubric_ref": assignment.rubric_ref,
            "redact_names": assignment.redact_names,
        }
        await self._session.execute(insert(assignments).values(**values))

    async def update(self, assignment_id: uuid.UUID, values: dict[str, object]) -> None:
        await self._session.execute(
            update(assignments).where(assignments.c.id == assignment_id).values(updated_at=func.now(), **values)
        )

    async def anchors(self, assignment_id: uuid.UUID) -> list[Anchor]:
        statement = select(anchors).where(anchors.c.assignment_id == assignment_id).order_by(anchors.c.created_at)
        return [_anchor(row) for row in (await self._session.execute(statement)).mappings()]

    async def taken_labels(self, assignment_id: uuid.UUID, labels: Sequence[str]) -> list[str]:
        statement = select(anchors.c.label).where(
            anchors.c.assignment_id == assignment_id, anchors.c.label.in_(list(labels))
        )
        return sorted((await self._session.execute(statement)).scalars())

    async def add_anchors(self, new: Sequence[Anchor]) -> list[Anchor]:
        rows = [
            {
                "id": a.id,
                "assignment_id": a.assignment_id,
                "label": a.label,
                "grade": a.grade,
                "text_ref": a.text_ref,
                "word_count": a.word_count,
            }
            for a in new
        ]
        try:
            # A savepoint: the unique label index refusing a row must not end the caller's transaction.
            async with self._session.begin_nested():
                result = await self._session.execute(insert(anchors).returning(anchors), rows)
        except IntegrityError as exc:
            raise LabelTakenError(str(exc.orig)) from exc
        return [_anchor(row) for row in result.mappings()]

    async def remove_anchor(self, assignment_id: uuid.UUID, anchor_id: uuid.UUID) -> bool:
        statement = delete(anchors).where(anchors.c.id == anchor_id, anchors.c.assignment_id == assignment_id)
        return (await self._session.execute(statement.returning(anchors.c.id))).first() is not None

    async def owned_by(self, user_id: str) -> list[Assignment]:
        statement = (
            select(assignments, _ANCHOR_COUNT)
            .where(assignments.c.owner_user_id == user_id)
            .order_by(assignments.c.created_at.desc())
        )
        return [_assignment(row) for row in (await self._session.execute(statement)).mappings()]

    async def delete_owned_by(self, user_id: str) -> tuple[int, int]:
        owned = select(assignments.c.id).where(assignments.c.owner_user_id == user_id)
        removed_anchors = await self._session.execute(
            delete(anchors).where(anchors.c.assignment_id.in_(owned)).returning(anchors.c.id)
        )
        removed = await self._session.execute(
            delete(assignments).where(assignments.c.owner_user_id == user_id).returning(assignments.c.id)
        )
        return len(removed.all()), len(removed_anchors.all())
