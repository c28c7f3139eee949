"""The LPS database: the outbox, one row per finished comparison, provider batch jobs, erased batches.

``comparison_outcomes.request_id`` is the unique key that guards "exactly one terminal callback
per request_id": the row and its outbox event commit together, and a second attempt at the same
request (a reclaimed lease, a duplicate submission) inserts nothing and so emits nothing.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from huleedu_service_libs.idempotency import processed_events_table
from huleedu_service_libs.outbox import outbox_table

metadata = MetaData()
outbox = outbox_table(metadata)
# The batch.deleted consumer's handled events (the library's idempotency claim).
processed_events = processed_events_table(metadata)

TERMINAL_STATES = ("done", "failed", "expired")

comparison_outcomes = Table(
    "comparison_outcomes",
    metadata,
    Column("request_id", Text, primary_key=True),
    Column("queue_id", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("error_code", Text, nullable=True),
    Column("provider", Text, nullable=False),
    Column("model", Text, nullable=False),
    Column("batching_mode", Text, nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The caller's batch, so that its deletion erases the outcome and its callback; None: no batch named.
    Column("batch_id", Uuid, nullable=True),
    CheckConstraint(
        "state IN ('done', 'failed', 'expired')",
        name="ck_comparison_outcomes_state",
    ),
    Index("ix_comparison_outcomes_batch_id", "batch_id", postgresql_where=text("batch_id IS NOT NULL")),
)

# provider_batch_api: one row per provider batch job, persisted so that a restart resumes polling.
# A job is "creating" until the provider accepted it, "submitted" while it runs, then "ended".
batch_jobs = Table(
    "batch_jobs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("provider", Text, nullable=False),
    Column("model", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("provider_batch_id", Text, nullable=True),
    Column("item_count", Integer, nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("next_check_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("status IN ('creating', 'submitted', 'ended')", name="ck_batch_jobs_status"),
    Index("ix_batch_jobs_open", "next_check_at", postgresql_where=text("status <> 'ended'")),
)

# The job's items: the queued comparison (for its callback) and the provider request body, so the
# job needs nothing from Redis once it exists.
batch_job_items = Table(
    "batch_job_items",
    metadata,
    Column("job_id", Uuid, ForeignKey("batch_jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("custom_id", Text, primary_key=True),
    Column("request_id", Text, nullable=False),
    Column("item", JSONB, nullable=False),
    Column("request_body", JSONB, nullable=False),
    Column("prompt_version", Text, nullable=False),
    Column("batch_id", Uuid, nullable=True),
    Index("ix_batch_job_items_request_id", "request_id"),
    Index("ix_batch_job_items_batch_id", "batch_id", postgresql_where=text("batch_id IS NOT NULL")),
)

# Batches whose owner deleted them (huleedu.batch.deleted.v1), kept as long as one of their
# comparisons can still be at work: an outcome or a batch-job item of such a batch is never
# written. A batch id is all it holds. Writers and the erasure serialise on a per-batch advisory
# lock (adapters/erased_batches.py), so nothing slips in between the check and the erasure.
erased_batches = Table(
    "erased_batches",
    metadata,
    Column("batch_id", Uuid, primary_key=True),
    Column("erased_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
