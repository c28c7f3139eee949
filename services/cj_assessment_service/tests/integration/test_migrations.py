"""The Alembic head matches the service's MetaData: no drift between migrations and declarations."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from cj_assessment_service.adapters.tables import metadata
from huleedu_service_libs.db import create_engine
from huleedu_service_libs.migrations import upgrade_to_head
from huleedu_service_libs.testing.database import migrated_database
from services.cj_assessment_service.tests.integration.conftest import ALEMBIC_DIR


async def test_fresh_database_at_head_matches_the_metadata(database_factory: Callable[[str], str]):
    url = await asyncio.to_thread(migrated_database, database_factory, ALEMBIC_DIR, "schema")
    await asyncio.to_thread(upgrade_to_head, ALEMBIC_DIR, url)  # a second upgrade is a no-op
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), metadata))
            tables = await conn.run_sync(lambda sync: sorted(sync.dialect.get_table_names(sync)))
    finally:
        await engine.dispose()
    assert diff == []
    assert {"jobs", "job_essays", "waves", "comparisons", "assignments", "anchors", "event_outbox"} <= set(tables)
