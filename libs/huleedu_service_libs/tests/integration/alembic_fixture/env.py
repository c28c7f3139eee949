"""A sample service migration environment: one metadata with the outbox, processed events and access log."""

from sqlalchemy import MetaData

from huleedu_service_libs.access_log import access_log_table
from huleedu_service_libs.idempotency import processed_events_table
from huleedu_service_libs.migrations import run_async_migrations
from huleedu_service_libs.outbox import outbox_table

metadata = MetaData()
outbox_table(metadata)
processed_events_table(metadata)
access_log_table(metadata)

run_async_migrations(metadata)
