"""Alembic environment of the LLM provider service: its one MetaData (outcomes and the outbox)."""

import os

from huleedu_service_libs.migrations import run_async_migrations
from llm_provider_service.adapters.tables import metadata

# upgrade_to_head (``python -m llm_provider_service migrate``) sets sqlalchemy.url; a plain
# `alembic upgrade` falls back to the service's database URL setting.
run_async_migrations(metadata, url=os.environ.get("LLM_PROVIDER_SERVICE_DATABASE_URL"))
