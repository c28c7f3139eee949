"""A sample service migration environment: one metadata that holds the outbox and processed-events tables."""

from sqlalchemy import MetaData

from huleedu_service_libs.idempotency import processed_events_table
from huleedu_service_libs.migrations import run_async_migrations
from huleedu_service_libs.outbox import outbox_table

metadata = MetaData()
outbox_table(metadata)
processed_events_table(metadata)

run_async_migrations(metadata)
