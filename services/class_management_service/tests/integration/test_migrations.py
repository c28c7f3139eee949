"""The Alembic migrations build exactly the schema the code declares."""

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from class_management_service.adapters.tables import metadata
from huleedu_service_libs.db import create_engine
from huleedu_service_libs.migrations import upgrade_to_head
from huleedu_service_libs.testing.database import migrated_database

from .conftest import ALEMBIC_DIR


async def test_a_fresh_database_at_head_matches_the_metadata(database_factory: Callable[[str], str]):
    url = migrated_database(database_factory, ALEMBIC_DIR, "schema")
    upgrade_to_head(ALEMBIC_DIR, url)  # a second upgrade is a no-op
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), metadata))
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
    finally:
        await engine.dispose()
    assert diff == []
    assert version == "0004"
    tables = {"teachers", "classes", "students", "class_students", "batches", "essays", "erased_batches", "access_log"}
    assert tables <= set(metadata.tables)
    assert {"event_outbox", "processed_events"} <= set(metadata.tables)
