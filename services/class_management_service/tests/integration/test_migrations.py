"""The Alembic migrations build exactly the schema the code declares."""

from collections.abc import Callable

from class_management_service.adapters.tables import metadata
from huleedu_service_libs.migrations import upgrade_to_head
from huleedu_service_libs.testing.database import migrated_database, migrated_schema

from .conftest import ALEMBIC_DIR


async def test_a_fresh_database_at_head_matches_the_metadata(database_factory: Callable[[str], str]):
    url = migrated_database(database_factory, ALEMBIC_DIR, "schema")
    upgrade_to_head(ALEMBIC_DIR, url)  # a second upgrade is a no-op
    schema = await migrated_schema(url, metadata)
    assert schema.drift == []
    assert schema.versions == ["0004"]
    tables = {"teachers", "classes", "students", "class_students", "batches", "essays", "erased_batches", "access_log"}
    assert tables <= set(metadata.tables)
    assert {"event_outbox", "processed_events"} <= set(metadata.tables)
