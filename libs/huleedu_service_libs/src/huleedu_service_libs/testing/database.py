"""A fresh database with a service's Alembic migrations applied, for integration tests.

Tests then run against the schema production gets, not one built by ``create_all``, so a
missing or wrong migration fails the tests instead of the deploy. ``migrated_schema`` reads what
the migrations built, for each service's drift test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData, inspect, text

from huleedu_service_libs.db import create_engine
from huleedu_service_libs.migrations import upgrade_to_head


def migrated_database(database_factory: Callable[[str], str], script_location: Path, label: str) -> str:
    """Create a database with ``database_factory`` (the pytest fixture), migrate it to head.

    Returns its URL. ``script_location`` is the service's ``alembic/`` folder. Works from
    sync and async tests alike; the database is dropped with the factory's others.
    """
    url = database_factory(label)
    upgrade_to_head(script_location, url)
    return url


@dataclass(frozen=True)
class MigratedSchema:
    """What a migrated database holds, against the tables a service declares."""

    drift: list[Any]  # autogenerate's differences from the declared MetaData: empty when they agree
    tables: set[str]  # every table in the default schema, alembic_version included
    versions: list[str]  # the rows of alembic_version


async def migrated_schema(url: str, metadata: MetaData) -> MigratedSchema:
    """Compare the database at ``url`` with ``metadata`` and list its tables and Alembic version."""

    def read(sync: Connection) -> MigratedSchema:
        return MigratedSchema(
            drift=list(compare_metadata(MigrationContext.configure(sync), metadata)),
            tables=set(inspect(sync).get_table_names()),
            versions=list(sync.execute(text("SELECT version_num FROM alembic_version")).scalars()),
        )

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(read)
    finally:
        await engine.dispose()
