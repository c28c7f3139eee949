"""The unit of work on PostgreSQL: one session and transaction, the repository and the outbox in it."""

from __future__ import annotations

import uuid

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common_core.events.registry import EventRegistry
from content_service.adapters.repository import SqlContentRepository
from content_service.adapters.tables import outbox
from huleedu_service_libs.db import UnitOfWorkFactory
from huleedu_service_libs.outbox import OutboxWriter


class OutboxEvents:
    """Writes events to ``event_outbox`` in the caller's transaction, keyed by batch; the relay publishes them."""

    def __init__(self, writer: OutboxWriter) -> None:
        self._writer = writer

    async def emit(self, payload: BaseModel, *, batch_id: uuid.UUID, event_id: uuid.UUID) -> None:
        await self._writer.write(payload, key=str(batch_id), event_id=event_id)

    async def forget(self, batch_id: uuid.UUID) -> None:
        await self._writer.forget(str(batch_id))


class SqlUnitOfWork:
    def __init__(self, session: AsyncSession, registry: EventRegistry, service_name: str) -> None:
        self.repo = SqlContentRepository(session)
        # Tests map the payload models to fresh topics; production uses common_core's EVENTS.
        self.events = OutboxEvents(OutboxWriter(session, outbox, registry, service_name))


def unit_of_work_factory(
    sessions: async_sessionmaker[AsyncSession], registry: EventRegistry, service_name: str
) -> UnitOfWorkFactory[SqlUnitOfWork]:
    return UnitOfWorkFactory(sessions, lambda session: SqlUnitOfWork(session, registry, service_name))
