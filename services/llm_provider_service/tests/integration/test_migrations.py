"""The Alembic migration builds exactly the schema the service declares."""

import asyncio

from huleedu_service_libs.testing.database import migrated_database, migrated_schema
from llm_provider_service.adapters.tables import metadata
from services.llm_provider_service.tests.integration.conftest import ALEMBIC_DIR


async def test_a_fresh_database_migrated_to_head_matches_the_metadata(database_factory):
    url = await asyncio.to_thread(migrated_database, database_factory, ALEMBIC_DIR, "lps_schema")
    schema = await migrated_schema(url, metadata)
    assert schema.drift == []
    assert {"comparison_outcomes", "event_outbox", "alembic_version"} <= schema.tables
