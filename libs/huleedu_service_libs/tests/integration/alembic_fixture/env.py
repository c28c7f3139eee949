"""A sample service migration environment: one metadata that holds the outbox table."""

from sqlalchemy import MetaData

from huleedu_service_libs.migrations import run_async_migrations
from huleedu_service_libs.outbox import outbox_table

metadata = MetaData()
outbox_table(metadata)

run_async_migrations(metadata)
