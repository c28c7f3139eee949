"""Alembic environment of the CJ assessment service: its one MetaData (outbox and processed events included)."""

import os

from cj_assessment_service.adapters.tables import metadata
from huleedu_service_libs.migrations import run_async_migrations

# sqlalchemy.url (set by `python -m cj_assessment_service migrate`) wins; plain `alembic` reads the env.
run_async_migrations(metadata, url=os.environ.get("CJ_ASSESSMENT_SERVICE_DATABASE_URL") or None)
