"""Database conflicts that a second attempt resolves are retryable (they must not go to the DLQ); test
topics can come with their dead-letter twin."""

import asyncio

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from huleedu_service_libs.db import create_engine
from huleedu_service_libs.errors import is_retryable
from huleedu_service_libs.kafka.dead_letter import dead_letter_topic


async def test_a_lock_timeout_is_retryable_and_a_syntax_error_is_not(fresh_database_url: str):
    engine = create_engine(fresh_database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE jobs (id int PRIMARY KEY)"))
            await conn.execute(text("INSERT INTO jobs VALUES (1)"))
        async with engine.connect() as holder, engine.connect() as waiter:
            await holder.begin()
            await holder.execute(text("SELECT * FROM jobs WHERE id = 1 FOR UPDATE"))
            await waiter.begin()
            await waiter.execute(text("SET LOCAL lock_timeout = '100ms'"))
            with pytest.raises(DBAPIError) as lock_timeout:
                await waiter.execute(text("SELECT * FROM jobs WHERE id = 1 FOR UPDATE"))
            await waiter.rollback()
            await holder.rollback()
        assert is_retryable(lock_timeout.value)

        async with engine.connect() as conn:
            with pytest.raises(DBAPIError) as syntax:
                await conn.execute(text("SELEC 1"))
        assert not is_retryable(syntax.value)
    finally:
        await engine.dispose()


async def test_a_deadlock_is_retryable(fresh_database_url: str):
    engine = create_engine(fresh_database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE rows (id int PRIMARY KEY, v int)"))
            await conn.execute(text("INSERT INTO rows VALUES (1, 0), (2, 0)"))
        first_locked, second_locked = asyncio.Event(), asyncio.Event()
        errors: list[BaseException] = []

        async def update(mine: int, theirs: int, locked: asyncio.Event, other: asyncio.Event) -> None:
            async with engine.connect() as conn:
                await conn.begin()
                try:
                    await conn.execute(text("UPDATE rows SET v = v + 1 WHERE id = :id"), {"id": mine})
                    locked.set()
                    await other.wait()
                    await conn.execute(text("UPDATE rows SET v = v + 1 WHERE id = :id"), {"id": theirs})
                    await conn.commit()
                except DBAPIError as exc:
                    errors.append(exc)
                    await conn.rollback()

        await asyncio.wait_for(
            asyncio.gather(update(1, 2, first_locked, second_locked), update(2, 1, second_locked, first_locked)),
            timeout=30,
        )
        assert len(errors) == 1  # PostgreSQL breaks the cycle by failing one of the two
        assert is_retryable(errors[0])
    finally:
        await engine.dispose()


async def test_topic_factory_can_create_the_dead_letter_twin(kafka_topic_factory, infrastructure):
    name = kafka_topic_factory("twin", with_dead_letter=True)
    admin = AIOKafkaAdminClient(bootstrap_servers=infrastructure.kafka_bootstrap)
    await admin.start()
    try:
        topics = set(await admin.list_topics())
    finally:
        await admin.close()
    assert {name, dead_letter_topic(name)} <= topics
