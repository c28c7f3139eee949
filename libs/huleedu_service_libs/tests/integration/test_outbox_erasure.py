"""Published outbox rows do not outlive their retention, and an erasure removes a key's rows (issue 23).

Outbox payloads carry personal data (file names, author hints, grades): a relay deletes published rows
once they are older than ``published_retention_s``, and ``OutboxWriter.forget`` deletes the published and
dead rows of one key (a deleted batch) while its pending rows, still owed to the consumers, stay.
"""

import uuid
from datetime import timedelta

from pydantic import BaseModel
from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from common_core.events.registry import EventRegistry
from huleedu_service_libs.db import session_factory, unit_of_work
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.outbox import OutboxRelay
from huleedu_service_libs.outbox.writer import OutboxWriter
from libs.huleedu_service_libs.tests.integration.test_outbox_relay import envelope, write


class Erased(BaseModel):
    n: int


async def statuses(engine: AsyncEngine, table: Table) -> list[tuple[bytes | None, str]]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(table.c.message_key, table.c.status).order_by(table.c.id))).all()
    return [(row.message_key, row.status) for row in rows]


async def test_published_rows_older_than_the_retention_are_pruned_and_newer_ones_stay(
    outbox: tuple[AsyncEngine, Table], publisher: EventPublisher, fresh_topic: str
):
    engine, table = outbox
    await write(engine, table, [(envelope(fresh_topic, n), f"k{n}") for n in range(3)])
    relay = OutboxRelay(engine, table, publisher, "outbox_test", published_retention_s=3600)
    assert await relay.publish_pending_once() == 3
    assert await relay.prune_published() == 0  # published just now: within the retention

    async with engine.begin() as conn:  # two of them were published two hours ago
        await conn.execute(
            update(table)
            .where(table.c.message_key.in_([b"k0", b"k1"]))
            .values(published_at=table.c.published_at - timedelta(hours=2))
        )
    await write(engine, table, [(envelope(fresh_topic, 9), "pending")])  # never pruned: not yet published
    assert await relay.prune_published() == 2
    assert await statuses(engine, table) == [(b"k2", "published"), (b"pending", "pending")]


async def test_forget_deletes_a_keys_published_and_dead_rows_and_keeps_its_pending_ones(
    outbox: tuple[AsyncEngine, Table], publisher: EventPublisher, fresh_topic: str
):
    engine, table = outbox
    await write(engine, table, [(envelope(fresh_topic, 1), "batch-a"), (envelope(fresh_topic, 2), "batch-b")])
    relay = OutboxRelay(engine, table, publisher, "outbox_test")
    assert await relay.publish_pending_once() == 2
    await write(engine, table, [(envelope(fresh_topic, 3), "batch-a"), (envelope(fresh_topic, 4), "batch-a")])
    async with engine.begin() as conn:  # one of batch-a's later rows went dead
        dead = select(table.c.id).where(table.c.message_key == b"batch-a", table.c.status == "pending").limit(1)
        await conn.execute(update(table).where(table.c.id == dead.scalar_subquery()).values(status="dead"))

    registry = EventRegistry()
    registry.register(fresh_topic, Erased)
    async with unit_of_work(session_factory(engine)) as session:
        writer = OutboxWriter(session, table, registry, "outbox_test")
        await writer.write(Erased(n=uuid.uuid4().int % 100), key="batch-a")  # the erasure's own event
        assert await writer.forget("batch-a") == 2  # the published row and the dead one

    assert await statuses(engine, table) == [
        (b"batch-b", "published"),
        (b"batch-a", "pending"),
        (b"batch-a", "pending"),
    ]
