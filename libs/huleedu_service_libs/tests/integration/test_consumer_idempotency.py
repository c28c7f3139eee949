"""claim_event against real PostgreSQL: first claim wins, it lives and dies with its transaction."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import MetaData, Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from huleedu_service_libs.db import create_engine, session_factory, unit_of_work
from huleedu_service_libs.idempotency import claim_event, processed_events_table

WAIT_S = 30


@pytest.fixture
async def claims(fresh_database_url: str) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], Table]]:
    metadata = MetaData()
    table = processed_events_table(metadata)
    engine = create_engine(fresh_database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield session_factory(engine), table
    await engine.dispose()


async def claim(factory: async_sessionmaker[AsyncSession], table: Table, consumer: str, event_id: uuid.UUID) -> bool:
    async with unit_of_work(factory) as session:
        return await claim_event(session, table, consumer, event_id)


async def test_the_first_claim_wins_and_a_repeat_is_a_duplicate(claims: tuple[async_sessionmaker[AsyncSession], Table]):
    factory, table = claims
    event_id = uuid.uuid4()
    assert await claim(factory, table, "ras", event_id) is True
    assert await claim(factory, table, "ras", event_id) is False
    # Each consumer group handles the event once on its own.
    assert await claim(factory, table, "cms", event_id) is True
    async with factory() as session:
        row = (await session.execute(select(table).where(table.c.consumer_name == "ras"))).one()
    assert row.processed_at.tzinfo is not None


async def test_a_rolled_back_transaction_takes_its_claim_with_it(
    claims: tuple[async_sessionmaker[AsyncSession], Table],
):
    factory, table = claims
    event_id = uuid.uuid4()

    async def claim_then_fail() -> None:
        async with unit_of_work(factory) as session:
            assert await claim_event(session, table, "ras", event_id) is True
            raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError, match="handler failed"):
        await claim_then_fail()
    assert await claim(factory, table, "ras", event_id) is True


async def test_a_concurrent_claim_waits_for_the_first_and_then_sees_the_duplicate(
    claims: tuple[async_sessionmaker[AsyncSession], Table],
):
    factory, table = claims
    event_id = uuid.uuid4()
    async with asyncio.timeout(WAIT_S):
        async with factory() as first:
            await first.begin()
            assert await claim_event(first, table, "ras", event_id) is True
            second = asyncio.create_task(claim(factory, table, "ras", event_id))
            while not await _someone_waits_on_a_lock(factory):
                assert not second.done()
                await asyncio.sleep(0.05)
            await first.commit()
        assert await second is False
        async with factory() as session:
            assert await session.scalar(select(func.count()).select_from(table)) == 1


async def _someone_waits_on_a_lock(factory: async_sessionmaker[AsyncSession]) -> bool:
    async with factory() as session:
        waiting = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)
