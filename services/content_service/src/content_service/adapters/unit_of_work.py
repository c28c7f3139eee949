"""The unit of work on PostgreSQL: one session and transaction, the repository and the outbox in it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common_core.events.registry import EventRegistry
from content_service.adapters.repository import SqlContentRepository
from content_service.adapters.tables import outbox
from huleedu_service_libs.db import unit_of_work
from huleedu_service_libs.envelopes import make_envelope
from huleedu_service_libs.outbox import add_to_outbox


class OutboxEvents:
    """Writes events to ``event_outbox`` in the caller's transaction; the relay publishes them."""

    def __init__(self, session: AsyncSession, registry: EventRegistry, service_name: str) -> None:
        self._session = session
        # Tests map the payload models to fresh topics; production uses common_core's EVENTS.
        self._registry = registry
        self._service_name = service_name

    async def emit(self, payload: BaseModel, *, batch_id: uuid.UUID, event_id: uuid.UUID) -> None:
        envelope = make_envelope(payload, source_service=self._service_name, event_id=event_id, registry=self._registry)
        topic = self._registry.topic_for(type(payload))
        await add_to_outbox(self._session, outbox, envelope, key=str(batch_id), topic=topic)


class SqlUnitOfWork:
    def __init__(self, session: AsyncSession, registry: EventRegistry, service_name: str) -> None:
        self.repo = SqlContentRepository(session)
        self.events = OutboxEvents(session, registry, service_name)


class SqlUnitOfWorkFactory:
    """``async with factory() as uow:``: commits when the block ends normally, rolls back on any exception."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], registry: EventRegistry, service_name: str) -> None:
        self._sessions = sessions
        self._registry = registry
        self._service_name = service_name

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[SqlUnitOfWork]:
        async with unit_of_work(self._sessions) as session:
            yield SqlUnitOfWork(session, self._registry, self._service_name)
