"""A fresh database with a service's Alembic migrations applied, for integration tests.

Tests then run against the schema production gets, not one built by ``create_all``, so a
missing or wrong migration fails the tests instead of the deploy.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from huleedu_service_libs.migrations import upgrade_to_head


def migrated_database(database_factory: Callable[[str], str], script_location: Path, label: str) -> str:
    """Create a database with ``database_factory`` (the pytest fixture), migrate it to head.

    Returns its URL. ``script_location`` is the service's ``alembic/`` folder. Works from
    sync and async tests alike; the database is dropped with the factory's others.
    """
    url = database_factory(label)
    upgrade_to_head(script_location, url)
    return url
