"""Terminal outcomes and their callbacks, written together through the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common_core.envelope import EventEnvelope
from common_core.events.llm_provider import LLMComparisonResultV1
from huleedu_service_libs.db import unit_of_work
from huleedu_service_libs.outbox.table import notify_channel
from llm_provider_service.adapters.erased_batches import open_batches
from llm_provider_service.adapters.tables import comparison_outcomes, outbox


@dataclass(frozen=True)
class TerminalOutcome:
    """One comparison's end: its row and the callback envelope for its callback topic."""

    request_id: str
    queue_id: str
    state: str
    attempts: int
    error_code: str | None
    batching_mode: str
    callback_topic: str
    envelope: EventEnvelope[LLMComparisonResultV1]
    batch_id: str | None = None


@dataclass(frozen=True)
class StoredOutcome:
    state: str
    attempts: int
    queue_id: str
    error_code: str | None


async def add_many_to_outbox(session: AsyncSession, outcomes: Sequence[TerminalOutcome]) -> None:
    """``add_to_outbox`` for many callbacks at once: one INSERT and one NOTIFY per transaction.

    Workaround: the shared ``add_to_outbox`` costs two round trips per row (insert, pg_notify),
    which capped the callback rate of a group commit; the rows written here are the ones it would
    write (same columns, key, topic and headers), so the shared ``OutboxRelay`` publishes them.
    """
    if not outcomes:
        return
    await session.execute(
        insert(outbox).values(
            [
                {
                    "event_id": o.envelope.event_id,
                    "topic": o.callback_topic,
                    "message_key": o.request_id.encode("utf-8"),
                    "value": o.envelope.to_bytes(),
                    "headers": [[name, value.decode("utf-8")] for name, value in o.envelope.kafka_headers()],
                }
                for o in outcomes
            ]
        )
    )
    await session.execute(select(func.pg_notify(notify_channel(outbox), "")))


class OutcomeStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def record(self, outcomes: Sequence[TerminalOutcome]) -> set[str]:
        """Write the outcomes and their callbacks in one transaction; returns the request ids that
        were new. A request id already recorded keeps its first outcome and gets no second callback;
        an outcome of an erased batch is not written at all (nor its callback).
        """
        if not outcomes:
            return set()
        unique = {o.request_id: o for o in outcomes}
        async with unit_of_work(self._sessions) as session:
            named = {uuid.UUID(o.batch_id) for o in unique.values() if o.batch_id is not None}
            if named:
                writable = {str(b) for b in await open_batches(session, named)}
                unique = {r: o for r, o in unique.items() if o.batch_id is None or o.batch_id in writable}
                if not unique:
                    return set()
            rows = [
                {
                    "request_id": o.request_id,
                    "queue_id": o.queue_id,
                    "state": o.state,
                    "attempts": o.attempts,
                    "error_code": o.error_code,
                    "provider": o.envelope.data.provider.value,
                    "model": o.envelope.data.model,
                    "batching_mode": o.batching_mode,
                    "event_id": o.envelope.event_id,
                    "batch_id": o.batch_id,
                }
                for o in unique.values()
            ]
            inserted = await session.execute(
                insert(comparison_outcomes)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["request_id"])
                .returning(comparison_outcomes.c.request_id)
            )
            new = set(inserted.scalars())
            await add_many_to_outbox(session, [o for o in unique.values() if o.request_id in new])
        return new

    async def find(self, request_ids: Sequence[str]) -> dict[str, StoredOutcome]:
        if not request_ids:
            return {}
        t = comparison_outcomes
        async with self._sessions() as session:
            result = await session.execute(
                select(t.c.request_id, t.c.state, t.c.attempts, t.c.queue_id, t.c.error_code).where(
                    t.c.request_id.in_(list(request_ids))
                )
            )
            return {r.request_id: StoredOutcome(r.state, r.attempts, r.queue_id, r.error_code) for r in result}
