"""Alembic helpers: the body of a service's ``alembic/env.py``, and ``upgrade head`` from code.

A service's ``env.py`` is three lines::

    from huleedu_service_libs.migrations import run_async_migrations
    from my_service.adapters.tables import metadata
    run_async_migrations(metadata, url=settings.database_url)

A service calls ``outbox_table(metadata)`` (and ``processed_events_table(metadata)``) on the same
metadata; its migration creates them with ``migration_steps.create_outbox()`` and
``create_processed_events()`` instead of the column lists autogenerate emits
(tests/integration/test_migrations.py proves the migrated schema and the declarations do not drift).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Connection, MetaData, NullPool, text
from sqlalchemy.ext.asyncio import create_async_engine

from huleedu_service_libs.db import to_async_url
from huleedu_service_libs.sync_bridge import run_coroutine_sync

# Advisory locks are scoped to one database, so one fixed key serialises every upgrade of it:
# replicas that start together run the migrations once, one after the other, not side by side.
MIGRATION_LOCK_KEY = 0x4855_4C45_4544_55
# Alembic installs its ``context`` and ``op`` proxies as module globals, so two upgrades in one
# process at once would trample each other's state.
_IN_PROCESS_UPGRADE = threading.Lock()


def run_async_migrations(target_metadata: MetaData | Sequence[MetaData], *, url: str | None = None) -> None:
    """Run the migrations of the Alembic invocation that loaded ``env.py``.

    The URL is the Alembic config's ``sqlalchemy.url`` when it is set (``upgrade_to_head``
    sets it; ``alembic -x`` users may set it in ``alembic.ini``), otherwise ``url``, which a
    service passes from its settings. ``postgresql://`` URLs are switched to asyncpg.

    Offline (``alembic upgrade --sql``) renders the SQL with literal values. Online runs over an
    async engine without a pool, inside one transaction that first takes a per-database
    advisory lock. Works from sync code and also when the calling thread already runs an event
    loop (the migration then gets a worker thread and a loop of its own).
    """
    resolved = context.config.get_main_option("sqlalchemy.url") or url
    if not resolved:
        raise RuntimeError("no database URL: set sqlalchemy.url in the Alembic config or pass url=")
    resolved = to_async_url(resolved)
    if context.is_offline_mode():
        context.configure(
            url=resolved,
            target_metadata=target_metadata,
            literal_binds=True,
            dialect_opts={"paramstyle": "named"},
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    run_coroutine_sync(_migrate_online(resolved, target_metadata))


def upgrade_to_head(script_location: Path, database_url: str) -> None:
    """``alembic upgrade head`` for the environment in ``script_location``, against ``database_url``.

    Blocking; callable from any thread, including while an event loop runs elsewhere or in
    this thread (``run_async_migrations`` then migrates on a worker thread). Upgrades within
    one process are serialised; across processes the advisory lock does the same.
    """
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("path_separator", "os")
    # ConfigParser treats % as interpolation; percent-encoded passwords must survive it.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    with _IN_PROCESS_UPGRADE:
        command.upgrade(config, "head")


async def _migrate_online(url: str, target_metadata: MetaData | Sequence[MetaData]) -> None:
    engine = create_async_engine(url, poolclass=NullPool, connect_args={"timeout": 10})
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_migrate_on, target_metadata)
    finally:
        await engine.dispose()


def _migrate_on(connection: Connection, target_metadata: MetaData | Sequence[MetaData]) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()
