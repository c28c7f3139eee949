"""Write an event to the outbox inside the caller's business transaction."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from common_core.envelope import EventEnvelope
from common_core.events.registry import EventRegistry
from huleedu_service_libs.correlation import correlation_scope
from huleedu_service_libs.envelopes import make_envelope
from huleedu_service_libs.outbox.table import STATUS_PENDING, notify_channel


def _encode_key(key: str | bytes | None) -> bytes | None:
    if key is None or isinstance(key, bytes):
        return key
    return key.encode("utf-8")


async def add_to_outbox(
    session: AsyncSession,
    table: Table,
    envelope: EventEnvelope[Any],
    *,
    key: str | bytes | None,
    topic: str | None = None,
) -> None:
    """Add ``envelope`` to the outbox ``table`` in the session's current transaction.

    Never commits: the row becomes visible exactly when the caller's state change commits, and
    vanishes with it on rollback, so the state and its event cannot disagree (a crash between a
    separate commit and a publish used to lose events). ``key`` is the aggregate's id, which
    keeps one aggregate's events in order on one partition. ``topic`` defaults to the
    envelope's ``event_type``.

    The ``pg_notify`` rides on the same transaction: PostgreSQL delivers it only on commit,
    so a listening relay wakes at once instead of waiting for its next poll.
    """
    await session.execute(
        insert(table).values(
            event_id=envelope.event_id,
            topic=topic or envelope.event_type,
            message_key=_encode_key(key),
            value=envelope.to_bytes(),
            headers=[[name, value.decode("utf-8")] for name, value in envelope.kafka_headers()],
        )
    )
    await session.execute(select(func.pg_notify(notify_channel(table), "")))


class OutboxWriter:
    """A unit of work's outbox: each event goes into ``table`` in the session's transaction.

    The envelope's topic comes from ``registry`` (tests map the payloads to fresh topics); a
    deterministic ``event_id`` makes a fact that a retry could emit twice one event.
    """

    def __init__(self, session: AsyncSession, table: Table, registry: EventRegistry, service_name: str) -> None:
        self._session = session
        self._table = table
        self._registry = registry
        self._service_name = service_name

    async def write(
        self,
        payload: BaseModel,
        *,
        key: str,
        event_id: uuid.UUID | None = None,
        correlation_id: uuid.UUID | None = None,
    ) -> None:
        with correlation_scope(correlation_id) if correlation_id else contextlib.nullcontext():
            envelope = make_envelope(
                payload, source_service=self._service_name, event_id=event_id, registry=self._registry
            )
        await add_to_outbox(
            self._session, self._table, envelope, key=key, topic=self._registry.topic_for(type(payload))
        )

    async def forget(self, key: str) -> int:
        """Erasure: delete the published and dead rows keyed ``key`` (e.g. a deleted batch's events).

        Pending rows stay: they are facts the consumers still need (the deletion event itself among them),
        and the relay prunes them once published.
        """
        t = self._table
        gone = delete(t).where(t.c.message_key == _encode_key(key), t.c.status != STATUS_PENDING).returning(t.c.id)
        return len((await self._session.execute(gone)).all())
