"""The unit of work on PostgreSQL: one session and transaction, the repositories and the outbox in it."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cj_assessment_service.adapters.assignment_repository import SqlAssignmentRepository
from cj_assessment_service.adapters.erasure_repository import SqlErasedBatches, SqlErasedEssays
from cj_assessment_service.adapters.job_repository import SqlJobRepository
from cj_assessment_service.adapters.moderation_repository import SqlModerationRepository
from cj_assessment_service.adapters.tables import outbox
from cj_assessment_service.domain.job import Outgoing
from common_core.envelope import deterministic_event_id
from common_core.events.registry import EventRegistry
from huleedu_service_libs.db import UnitOfWorkFactory
from huleedu_service_libs.outbox import OutboxWriter


class OutboxEvents:
    """Writes the job's events to ``event_outbox`` in the caller's transaction; the relay publishes them."""

    def __init__(self, writer: OutboxWriter) -> None:
        self._writer = writer

    async def emit(self, event: Outgoing, *, key: uuid.UUID, correlation_id: uuid.UUID) -> None:
        event_id = deterministic_event_id(*event.natural_key)
        await self._writer.write(event.payload, key=str(key), event_id=event_id, correlation_id=correlation_id)

    async def forget(self, key: uuid.UUID) -> int:
        return await self._writer.forget(str(key))


class SqlUnitOfWork:
    """The repositories and the outbox on one session: the factory's own, or a Kafka runner's per-record one."""

    def __init__(self, session: AsyncSession, registry: EventRegistry, service_name: str) -> None:
        self._session = session
        self.jobs = SqlJobRepository(session)
        self.assignments = SqlAssignmentRepository(session)
        self.erased_batches = SqlErasedBatches(session)
        self.erased_essays = SqlErasedEssays(session)
        self.moderation = SqlModerationRepository(session)
        # Tests map the payload models to fresh topics; production uses common_core's EVENTS.
        self.events = OutboxEvents(OutboxWriter(session, outbox, registry, service_name))

    def after_commit(self, callback: Callable[[], None]) -> None:
        event.listen(self._session.sync_session, "after_commit", lambda _session: callback(), once=True)


def unit_of_work_factory(
    sessions: async_sessionmaker[AsyncSession], registry: EventRegistry, service_name: str
) -> UnitOfWorkFactory[SqlUnitOfWork]:
    return UnitOfWorkFactory(sessions, lambda session: SqlUnitOfWork(session, registry, service_name))
