"""Teacher accounts on PostgreSQL (service_layer.ports.AccountRepository)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.adapters.tables import teachers
from class_management_service.domain.model import Teacher


def _teacher(row: Any) -> Teacher:
    return Teacher(
        teacher_id=row.id,
        email=row.email,
        display_name=row.display_name,
        password_hash=row.password_hash,
        locale=row.locale,
        created_at=row.created_at,
    )


class SqlAccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def insert_teacher(
        self, teacher_id: uuid.UUID, *, email: str, display_name: str, password_hash: str, locale: str
    ) -> Teacher | None:
        values = {
            "id": teacher_id,
            "email": email,
            "display_name": display_name,
            "password_hash": password_hash,
            "locale": locale,
        }
        try:
            # A savepoint: a taken email undoes only this insert, and the transaction goes on.
            async with self._session.begin_nested():
                row = (await self._session.execute(insert(teachers).values(**values).returning(teachers))).one()
        except IntegrityError:
            return None
        return _teacher(row)

    async def teacher_by_email(self, email: str) -> Teacher | None:
        row = (await self._session.execute(select(teachers).where(teachers.c.email == email))).one_or_none()
        return None if row is None else _teacher(row)

    async def teacher_by_id(self, teacher_id: uuid.UUID) -> Teacher | None:
        row = (await self._session.execute(select(teachers).where(teachers.c.id == teacher_id))).one_or_none()
        return None if row is None else _teacher(row)

    async def rehash_password(self, teacher_id: uuid.UUID, new_hash: str) -> None:
        await self._session.execute(update(teachers).where(teachers.c.id == teacher_id).values(password_hash=new_hash))

    async def replace_password(self, teacher_id: uuid.UUID, old_hash: str, new_hash: str) -> bool:
        changed = await self._session.execute(
            update(teachers)
            .where(teachers.c.id == teacher_id, teachers.c.password_hash == old_hash)
            .values(password_hash=new_hash, updated_at=func.now())
            .returning(teachers.c.id)
        )
        return changed.first() is not None

    async def delete_teacher(self, teacher_id: uuid.UUID) -> bool:
        gone = await self._session.execute(delete(teachers).where(teachers.c.id == teacher_id).returning(teachers.c.id))
        return gone.first() is not None
