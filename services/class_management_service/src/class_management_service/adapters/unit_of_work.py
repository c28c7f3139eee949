"""The unit of work on PostgreSQL: one session and transaction, the repositories and the outbox in it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from class_management_service.adapters.account_repository import SqlAccountRepository
from class_management_service.adapters.association_repository import SqlAssociationRepository
from class_management_service.adapters.class_repository import SqlClassRepository
from class_management_service.adapters.tables import outbox
from class_management_service.config import SERVICE_NAME
from common_core.events.registry import EventRegistry
from huleedu_service_libs.db import unit_of_work
from huleedu_service_libs.envelopes import make_envelope
from huleedu_service_libs.outbox import add_to_outbox


class OutboxEvents:
    """Writes events to ``event_outbox`` in the caller's transaction; the relay publishes them."""

    def __init__(self, session: AsyncSession, registry: EventRegistry) -> None:
        self._session = session
        # Tests map the payload models to fresh topics; production uses common_core's EVENTS.
        self._registry = registry

    async def emit(self, payload: BaseModel, *, key: str) -> None:
        envelope = make_envelope(payload, source_service=SERVICE_NAME, registry=self._registry)
        await add_to_outbox(self._session, outbox, envelope, key=key, topic=self._registry.topic_for(type(payload)))


class SqlUnitOfWork:
    """The repositories and the outbox on one session; whoever opened its transaction ends it."""

    def __init__(self, session: AsyncSession, registry: EventRegistry) -> None:
        self.classes = SqlClassRepository(session)
        self.associations = SqlAssociationRepository(session)
        self.accounts = SqlAccountRepository(session)
        self.events = OutboxEvents(session, registry)


class SqlUnitOfWorkFactory:
    """``async with factory() as uow:``: commits when the block ends normally, rolls back on any exception."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], registry: EventRegistry) -> None:
        self._sessions = sessions
        self._registry = registry

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[SqlUnitOfWork]:
        async with unit_of_work(self._sessions) as session:
            yield SqlUnitOfWork(session, self._registry)

    def on_session(self, session: AsyncSession) -> SqlUnitOfWork:
        """A unit of work in a transaction someone else commits: the Kafka runner's per-record one,
        which also holds the event's idempotency claim."""
        return SqlUnitOfWork(session, self._registry)
