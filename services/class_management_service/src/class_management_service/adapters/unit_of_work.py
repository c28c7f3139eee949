"""The unit of work on PostgreSQL: one session and transaction, the repositories and the outbox in it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from pydantic import BaseModel
from sqlalchemy import Text, delete, func, or_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from class_management_service.adapters.account_repository import SqlAccountRepository
from class_management_service.adapters.association_repository import SqlAssociationRepository
from class_management_service.adapters.class_repository import SqlClassRepository
from class_management_service.adapters.tables import outbox
from class_management_service.config import SERVICE_NAME
from common_core.events.registry import EventRegistry
from huleedu_service_libs.db import UnitOfWorkFactory
from huleedu_service_libs.outbox import OutboxWriter


class OutboxEvents:
    """Writes events to ``event_outbox`` in the caller's transaction; the relay publishes them."""

    def __init__(self, session: AsyncSession, writer: OutboxWriter) -> None:
        self._session = session
        self._writer = writer

    async def emit(self, payload: BaseModel, *, key: str) -> None:
        await self._writer.write(payload, key=key)

    async def forget(self, *, key: str) -> None:
        # The relay locks a row while it publishes it, so this waits for that and then deletes it too.
        await self._session.execute(delete(outbox).where(outbox.c.message_key == key.encode()))

    async def forget_all(self, keys: Sequence[str]) -> None:
        if keys:
            await self._session.execute(delete(outbox).where(outbox.c.message_key.in_([k.encode() for k in keys])))

    async def forget_naming(self, *, key: str, ids: Sequence[uuid.UUID]) -> None:
        if not ids:
            return
        # The payload is the envelope's UTF-8 JSON, where an id is written as its canonical text.
        payload = func.convert_from(outbox.c.value, "UTF8", type_=Text)
        named = or_(*(payload.contains(str(i)) for i in ids))
        await self._session.execute(delete(outbox).where(outbox.c.message_key == key.encode(), named))


class SqlUnitOfWork:
    """The repositories and the outbox on one session; whoever opened its transaction ends it."""

    def __init__(self, session: AsyncSession, registry: EventRegistry) -> None:
        self.classes = SqlClassRepository(session)
        self.associations = SqlAssociationRepository(session)
        self.accounts = SqlAccountRepository(session)
        # Tests map the payload models to fresh topics; production uses common_core's EVENTS.
        self.events = OutboxEvents(session, OutboxWriter(session, outbox, registry, SERVICE_NAME))


# ``async with units() as uow:`` commits when the block ends normally; ``units.on(session)`` is a unit of
# work in a transaction someone else commits (the Kafka runner's, which also holds the idempotency claim).
SqlUnitOfWorks = UnitOfWorkFactory[SqlUnitOfWork]


def unit_of_work_factory(sessions: async_sessionmaker[AsyncSession], registry: EventRegistry) -> SqlUnitOfWorks:
    return UnitOfWorkFactory(sessions, lambda session: SqlUnitOfWork(session, registry))
