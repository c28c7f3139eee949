"""Alembic environment of content service: its one MetaData (tables, outbox, processed events)."""

from alembic import context

from content_service.adapters.tables import metadata
from content_service.config import Settings
from huleedu_service_libs.migrations import run_async_migrations

# `python -m content_service migrate` (upgrade_to_head) puts the URL in the Alembic config; a bare
# `alembic` run reads CONTENT_SERVICE_DATABASE_URL through the settings instead.
run_async_migrations(metadata, url=context.config.get_main_option("sqlalchemy.url") or Settings().database_url)
