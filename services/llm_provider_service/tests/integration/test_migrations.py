"""The Alembic migration builds exactly the schema the service declares."""

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from huleedu_service_libs.db import create_engine
from huleedu_service_libs.testing.database import migrated_database
from llm_provider_service.adapters.tables import metadata
from services.llm_provider_service.tests.integration.conftest import ALEMBIC_DIR


async def test_a_fresh_database_migrated_to_head_matches_the_metadata(database_factory):
    url = await asyncio.to_thread(migrated_database, database_factory, ALEMBIC_DIR, "lps_schema")
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            diffs = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), metadata))
            tables = set(
                (await conn.exec_driver_sql("SELECT tablename FROM pg_tables WHERE schemaname='public'")).scalars()
            )
    finally:
        await engine.dispose()
    assert diffs == []
    assert {"comparison_outcomes", "event_outbox", "alembic_version"} <= tables
