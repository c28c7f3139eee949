"""Alembic environment of class management service: its one MetaData, URL from its settings."""

from alembic import context

from class_management_service.adapters.tables import metadata
from class_management_service.config import Settings
from huleedu_service_libs.migrations import run_async_migrations

# upgrade_to_head (``python -m class_management_service migrate``) sets sqlalchemy.url; a plain
# `alembic` command falls back to the service's settings.
url = None if context.config.get_main_option("sqlalchemy.url") else Settings().database_url
run_async_migrations(metadata, url=url)
