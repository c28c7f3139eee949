"""Idempotent event handling: a processed-events table, claimed in the handler's own transaction.

The guard is the primary key on ``(consumer_name, event_id)`` in the service's own database,
never Redis (Redis can evict). Because the claim runs in the same transaction as the
handler's effects, both commit or both roll back: a crash before the commit leaves no claim, and
a redelivery after the commit finds it.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Column, DateTime, MetaData, Table, Text, Uuid, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


def processed_events_table(metadata: MetaData, name: str = "processed_events") -> Table:
    """The table of events each consumer has handled, to add to a service's metadata (and migrations)."""
    return Table(
        name,
        metadata,
        Column("consumer_name", Text, primary_key=True),
        Column("event_id", Uuid(as_uuid=True), primary_key=True),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


async def claim_event(session: AsyncSession, table: Table, consumer_name: str, event_id: uuid.UUID) -> bool:
    """Record that ``consumer_name`` handles ``event_id``; ``False`` if it already did.

    Runs in the caller's transaction. A concurrent claim of the same event waits for the first
    transaction and, once that commits, sees the conflict and returns ``False``.
    """
    statement = (
        insert(table)
        .values(consumer_name=consumer_name, event_id=event_id)
        .on_conflict_do_nothing(index_elements=[table.c.consumer_name, table.c.event_id])
        .returning(table.c.event_id)
    )
    result = await session.execute(statement)
    return result.first() is not None
