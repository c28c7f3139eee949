"""The unit of work on PostgreSQL: one session and transaction, the repositories and the outbox in it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cj_assessment_service.adapters.assignment_repository import SqlAssignmentRepository
from cj_assessment_service.adapters.job_repository import SqlJobRepository
from cj_assessment_service.adapters.tables import outbox
from cj_assessment_service.domain.job import Outgoing
from common_core.envelope import deterministic_event_id
from common_core.events.registry import EventRegistry
from huleedu_service_libs.correlation import correlation_scope
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

    async def emit(self, outgoing: Outgoing, *, key: uuid.UUID, correlation_id: uuid.UUID) -> None:
        with correlation_scope(correlation_id):
            envelope = make_envelope(
                outgoing.payload,
                source_service=self._service_name,
                event_id=deterministic_event_id(*outgoing.natural_key),
                registry=self._registry,
            )
        topic = self._registry.topic_for(type(outgoing.payload))
        await add_to_outbox(self._session, outbox, envelope, key=str(key), topic=topic)


class SqlUnitOfWork:
    """The repositories and the outbox on one session: the factory's own, or a Kafka runner's per-record one."""

    def __init__(self, session: AsyncSession, registry: EventRegistry, service_name: str) -> None:
        self._session = session
        self.jobs = SqlJobRepository(session)
        self.assignments = SqlAssignmentRepository(session)
        self.events = OutboxEvents(session, registry, service_name)

    def after_commit(self, callback: Callable[[], None]) -> None:
        event.listen(self._session.sync_session, "after_commit", lambda _session: callback(), once=True)


class SqlUnitOfWorkFactory:
    """``async with factory() as uow:``: commits when the block ends normally, rolls back on any exception."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], registry: EventRegistry, service_name: str) -> None:
        self._sessions = sessions
        self._registry = registry
        self._service_name = service_name

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[SqlUnitOfWork]:
        async with unit_of_work(self._sessions) as session:
            yield self.on(session)

    def on(self, session: AsyncSession) -> SqlUnitOfWork:
        """A unit of work on a transaction someone else commits (the Kafka runner's)."""
        return SqlUnitOfWork(session, self._registry, self._service_name)
