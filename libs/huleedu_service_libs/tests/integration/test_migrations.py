"""Alembic helpers against real PostgreSQL, with the sample environment in alembic_fixture/."""

import asyncio
import io
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from pydantic import BaseModel
from sqlalchemy import MetaData

from common_core.envelope import EventEnvelope
from huleedu_service_libs.access_log import access_log_table
from huleedu_service_libs.db import create_engine, session_factory, unit_of_work
from huleedu_service_libs.idempotency import processed_events_table
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.migrations import upgrade_to_head
from huleedu_service_libs.outbox import OutboxRelay, add_to_outbox, outbox_table
from huleedu_service_libs.testing.database import migrated_database, migrated_schema
from huleedu_service_libs.testing.infrastructure import Infrastructure

SAMPLE_ENV = Path(__file__).parent / "alembic_fixture"


async def _schema(url: str) -> dict[str, object]:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        return {
            "versions": [r["version_num"] for r in await conn.fetch("SELECT version_num FROM alembic_version")],
            "columns": {
                r["column_name"]: r["data_type"]
                for r in await conn.fetch(
                    "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'event_outbox'"
                )
            },
            "pending_index": await conn.fetchval(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_event_outbox_pending'"
            ),
        }
    finally:
        await conn.close()


async def test_a_fresh_database_migrated_to_head_has_the_outbox(database_factory: Callable[[str], str]):
    # Called with this test's event loop running in the same thread.
    url = migrated_database(database_factory, SAMPLE_ENV, "migrated")

    schema = await _schema(url)
    assert schema["versions"] == ["0001"]
    assert schema["columns"] == {
        "id": "bigint",
        "event_id": "uuid",
        "topic": "text",
        "message_key": "bytea",
        "value": "bytea",
        "headers": "jsonb",
        "status": "text",
        "attempts": "integer",
        "last_error": "text",
        "created_at": "timestamp with time zone",
        "next_attempt_at": "timestamp with time zone",
        "published_at": "timestamp with time zone",
    }
    assert "WHERE (status = 'pending'::text)" in str(schema["pending_index"])


def test_upgrading_an_up_to_date_database_changes_nothing(database_factory: Callable[[str], str]):
    url = migrated_database(database_factory, SAMPLE_ENV, "twice")
    upgrade_to_head(SAMPLE_ENV, url)
    assert asyncio.run(_schema(url))["versions"] == ["0001"]


async def test_upgrade_from_a_worker_thread_while_a_loop_runs(database_factory: Callable[[str], str]):
    url = database_factory("threaded")
    await asyncio.to_thread(upgrade_to_head, SAMPLE_ENV, url)
    assert (await _schema(url))["versions"] == ["0001"]


def test_replicas_that_upgrade_at_once_all_succeed(database_factory: Callable[[str], str]):
    url = database_factory("replicas")
    # Every replica imports first, then all start upgrading at the same moment.
    script = "import pathlib, sys, time\nfrom huleedu_service_libs.migrations import upgrade_to_head\n"
    script += "time.sleep(max(0.0, float(sys.argv[3]) - time.time()))\n"
    script += "upgrade_to_head(pathlib.Path(sys.argv[1]), sys.argv[2])\n"
    start_at = str(time.time() + 5)
    replicas = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(SAMPLE_ENV), url, start_at],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(4)
    ]
    outcomes = [(replica.wait(timeout=120), replica.communicate()[0]) for replica in replicas]
    assert [code for code, _ in outcomes] == [0] * 4, outcomes
    assert asyncio.run(_schema(url))["versions"] == ["0001"]


async def test_the_migration_steps_match_the_declarations(database_factory: Callable[[str], str]):
    """Autogenerate sees no difference: the tables a service declares are the tables the steps create."""
    url = migrated_database(database_factory, SAMPLE_ENV, "nodrift")
    metadata = MetaData()
    outbox_table(metadata)
    processed_events_table(metadata)
    access_log_table(metadata)
    assert (await migrated_schema(url, metadata)).drift == []


def test_offline_mode_renders_the_migration_as_sql():
    out = io.StringIO()
    config = Config(output_buffer=out)
    config.set_main_option("script_location", str(SAMPLE_ENV))
    config.set_main_option("path_separator", "os")
    config.set_main_option("sqlalchemy.url", "postgresql://nobody@127.0.0.1:1/never_connected")
    command.upgrade(config, "head", sql=True)
    sql = out.getvalue()
    assert "CREATE TABLE event_outbox" in sql
    assert "CREATE INDEX ix_event_outbox_pending ON event_outbox (id) WHERE status = 'pending'" in sql
    assert "CREATE TABLE processed_events" in sql
    assert "INSERT INTO alembic_version (version_num) VALUES ('0001')" in sql


class Ping(BaseModel):
    n: int


async def test_the_relay_publishes_from_a_migrated_outbox(
    database_factory: Callable[[str], str], infrastructure: Infrastructure, fresh_topic: str
):
    url = migrated_database(database_factory, SAMPLE_ENV, "relay")
    table = outbox_table(MetaData())
    engine = create_engine(url)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            event = EventEnvelope[Ping](
                event_type=fresh_topic, source_service="outbox_test", correlation_id=uuid.uuid4(), data=Ping(n=1)
            )
            await add_to_outbox(session, table, event, key="batch-1")
        async with EventPublisher(infrastructure.kafka_bootstrap, "outbox_test") as publisher:
            assert (
                await OutboxRelay(session_factory(engine), table, publisher, "outbox_test").publish_pending_once() == 1
            )
    finally:
        await engine.dispose()
