"""RAS's own tables: the read model folded from events (ARCHITECTURE §1: no other service reads them).

A batch row exists as soon as any event names the batch; ``user_id`` stays NULL until
``batch.registered`` arrives, so an early result is kept but shown to nobody. ``batch.deleted``
empties the row again for good (``deleted_at``), and ``erased_essays`` keeps the ids of a student's
erased essays so that none of them comes back. Results are keyed by
(batch, job, essay): a re-assessment adds a job and never overwrites the earlier one's results
(PITFALLS: an essay keyed by its id alone).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from huleedu_service_libs.access_log import access_log_table
from huleedu_service_libs.idempotency import processed_events_table

metadata = MetaData()
processed_events = processed_events_table(metadata)
# Who read or exported which of a teacher's batches (huleedu_service_libs.access_log).
access_log = access_log_table(metadata)

batches = Table(
    "batches",
    metadata,
    Column("batch_id", Uuid(as_uuid=True), primary_key=True),
    Column("user_id", Text, nullable=True),
    Column("title", Text, nullable=True),
    Column("course_code", Text, nullable=True),
    Column("class_id", Uuid(as_uuid=True), nullable=True),
    Column("assignment_id", Uuid(as_uuid=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False, server_default="draft"),
    Column("current_job_id", Uuid(as_uuid=True), nullable=True),
    Column("essay_count", Integer, nullable=False, server_default=text("0")),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    # The updated_at of the newest batch.updated applied: an older rename arriving late loses to it,
    # and a registration arriving after a rename does not put the first title back.
    Column("title_updated_at", DateTime(timezone=True), nullable=True),
    # A tombstone: a deleted batch keeps only this row, owned by nobody (user_id NULL), so every
    # query answers 404 for it, and any later event of the batch (registration included) is ignored.
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    # Set when the retention policy purged the batch's essays and results and kept its aggregates.
    Column("essays_purged_at", DateTime(timezone=True), nullable=True),
    # The list query: one teacher's batches, newest first, optionally by status.
    Index("ix_batches_user_created", "user_id", text("created_at DESC"), text("batch_id DESC")),
    Index("ix_batches_user_status_created", "user_id", "status", text("created_at DESC"), text("batch_id DESC")),
)

essays = Table(
    "essays",
    metadata,
    Column("batch_id", Uuid(as_uuid=True), primary_key=True),
    Column("essay_id", Uuid(as_uuid=True), primary_key=True),
    Column("filename", Text, nullable=False),
    Column("text_ref", Text, nullable=False),
    Column("word_count", Integer, nullable=False),
    Column("author_hint", Text, nullable=True),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    ForeignKeyConstraint(["batch_id"], ["batches.batch_id"], ondelete="CASCADE", name="fk_essays_batch"),
)

assessment_jobs = Table(
    "assessment_jobs",
    metadata,
    Column("batch_id", Uuid(as_uuid=True), primary_key=True),
    Column("job_id", Uuid(as_uuid=True), primary_key=True),
    # A failure that came before CJ created a job gets a derived id; callers see job_id None.
    Column("request_failure", Boolean, nullable=False, server_default=text("false")),
    Column("state", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("last_progress_at", DateTime(timezone=True), nullable=True),
    Column("wave", Integer, nullable=True),
    Column("comparisons_done", Integer, nullable=True),
    Column("comparisons_planned", Integer, nullable=True),
    Column("progress_percentage", Float, nullable=True),
    Column("progress_reliability_ssr", Float, nullable=True),
    # The marginal-likelihood reliability beside SSR: the honest one (adaptive pairing inflates SSR).
    Column("progress_reliability", Float, nullable=True),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("duration_seconds", Float, nullable=True),
    Column("essays_assessed", Integer, nullable=True),
    Column("anchors_used", Integer, nullable=True),
    Column("comparisons_completed", Integer, nullable=True),
    Column("comparisons_failed", Integer, nullable=True),
    Column("failure_code", Text, nullable=True),
    Column("failure_message", Text, nullable=True),
    Column("grade_scale", Text, nullable=True),
    Column("model_provider", Text, nullable=True),
    Column("model_name", Text, nullable=True),
    Column("result_reliability_ssr", Float, nullable=True),
    Column("result_reliability", Float, nullable=True),
    Column("results_published_at", DateTime(timezone=True), nullable=True),
    Column("grade_distribution", JSONB, nullable=True),
    # How the job ended and what it cost (NULL: unknown, from events that predate the fields).
    Column("stop_reason", Text, nullable=True),
    Column("stop_detail", Text, nullable=True),
    Column("position_bias", Float, nullable=True),
    Column("position_bias_se", Float, nullable=True),
    Column("forced_recovery", Boolean, nullable=False, server_default=text("false")),
    Column("grade_projection_note", Text, nullable=True),
    # The grade bands' boundaries as published (GradeCutPoint dumps, lowest first); [] without grades.
    Column("grade_cut_points", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("llm_calls", Integer, nullable=True),
    Column("input_tokens", BigInteger, nullable=True),
    Column("output_tokens", BigInteger, nullable=True),
    Column("cost_usd", Float, nullable=True),
    Column("usage_unreported", Integer, nullable=True),
    # When the job completed or failed: dates its spend for the teacher's month and term.
    Column("finished_at", DateTime(timezone=True), nullable=True),
    # The completion payload and the result payload (without its per-essay list) as published, so
    # fields CJ adds later (additive evolution) are kept even before a column or view shows them.
    Column("completed_payload", JSONB, nullable=True),
    Column("result_payload", JSONB, nullable=True),
    ForeignKeyConstraint(["batch_id"], ["batches.batch_id"], ondelete="CASCADE", name="fk_assessment_jobs_batch"),
    Index("ix_assessment_jobs_batch_started", "batch_id", text("started_at DESC"), text("job_id DESC")),
)

essay_results = Table(
    "essay_results",
    metadata,
    Column("batch_id", Uuid(as_uuid=True), primary_key=True),
    Column("job_id", Uuid(as_uuid=True), primary_key=True),
    Column("essay_id", Uuid(as_uuid=True), primary_key=True),
    Column("is_anchor", Boolean, nullable=False),
    Column("rank", Integer, nullable=False),
    Column("bt_score", Float, nullable=False),
    Column("standard_error", Float, nullable=False),
    Column("normalized_score", Float, nullable=False),
    Column("grade", Text, nullable=True),
    Column("grade_probabilities", JSONB, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("confidence_label", Text, nullable=False),
    Column("comparison_count", Integer, nullable=False),
    Column("known_grade", Text, nullable=True),
    Column("anchor_label", Text, nullable=True),
    Column("anchor_inconsistent", Boolean, nullable=True),
    # The essay's result exactly as published, including any field added after this schema.
    Column("published", JSONB, nullable=False),
    ForeignKeyConstraint(
        ["batch_id", "job_id"],
        ["assessment_jobs.batch_id", "assessment_jobs.job_id"],
        ondelete="CASCADE",
        name="fk_essay_results_job",
    ),
    Index("ix_essay_results_job_rank", "batch_id", "job_id", "rank"),
)

# A student's erased essays (ids only): a late upload or result of one of them stores nothing.
erased_essays = Table(
    "erased_essays",
    metadata,
    Column("batch_id", Uuid(as_uuid=True), primary_key=True),
    Column("essay_id", Uuid(as_uuid=True), primary_key=True),
    ForeignKeyConstraint(["batch_id"], ["batches.batch_id"], ondelete="CASCADE", name="fk_erased_essays_batch"),
)
