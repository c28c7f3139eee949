"""Fixtures shared by the outbox integration tests."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncEngine

from huleedu_service_libs.db import create_engine
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.outbox import outbox_table
from huleedu_service_libs.testing.infrastructure import Infrastructure


@pytest.fixture
async def outbox(fresh_database_url: str) -> AsyncIterator[tuple[AsyncEngine, Table]]:
    """A fresh database holding just the outbox table: (engine, table)."""
    metadata = MetaData()
    table = outbox_table(metadata)
    engine = create_engine(fresh_database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine, table
    await engine.dispose()


@pytest.fixture
async def publisher(infrastructure: Infrastructure) -> AsyncIterator[EventPublisher]:
    """A started publisher on the dev stack's Kafka (tests that need their own service label override it)."""
    async with EventPublisher(infrastructure.kafka_bootstrap, "outbox_test") as started:
        yield started
