"""Alembic environment of the API gateway: its one MetaData (sign-in sessions and refresh tokens)."""

from alembic import context

from api_gateway_service.adapters.tables import metadata
from api_gateway_service.config import Settings
from huleedu_service_libs.migrations import run_async_migrations

# `python -m api_gateway_service migrate` (upgrade_to_head) puts the URL in the Alembic config; a bare
# `alembic` run reads API_GATEWAY_SERVICE_DATABASE_URL through the settings instead.
run_async_migrations(metadata, url=context.config.get_main_option("sqlalchemy.url") or Settings().database_url)
