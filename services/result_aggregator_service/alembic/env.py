"""Alembic environment of the result aggregator: its one MetaData (read model + processed_events).

``python -m result_aggregator_service migrate`` passes the URL in the Alembic config; a bare
``alembic`` run falls back to RESULT_AGGREGATOR_SERVICE_DATABASE_URL through the settings.
"""

from alembic import context

from huleedu_service_libs.migrations import run_async_migrations
from result_aggregator_service.adapters.tables import metadata
from result_aggregator_service.config import Settings

configured = context.config.get_main_option("sqlalchemy.url")
run_async_migrations(metadata, url=configured or Settings().database_url)
