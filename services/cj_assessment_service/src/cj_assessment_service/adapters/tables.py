"""The service's one MetaData: assignments, anchors, jobs, their essays, waves and comparisons, the erased
batches and essays, the outbox, the access log (who read which batch's or essay's comparisons), and teacher
moderation (human verdicts, the colleagues allowed to give them, and the LLM's verdicts asked for its pairs)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from huleedu_service_libs.access_log import access_log_table
from huleedu_service_libs.idempotency import processed_events_table
from huleedu_service_libs.outbox import outbox_table

metadata = MetaData()
outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
access_log = access_log_table(metadata)


assignments = Table(
    "assignments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner_user_id", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("course_code", Text, nullable=False),
    Column("grade_scale", Text, nullable=False),
    Column("shared", Boolean, nullable=False),
    # Text ids in content service's store (sha256 of the text).
    Column("student_prompt_ref", Text, nullable=True),
    Column("instructions_ref", Text, nullable=False),
    Column("rubric_ref", Text, nullable=True),
    # Replace the author's names with a placeholder before an essay goes to LPS (domain/redaction.py).
    Column("redact_names", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

anchors = Table(
    "anchors",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("assignment_id", Uuid, ForeignKey("assignments.id", ondelete="CASCADE"), nullable=False),
    Column("label", Text, nullable=False),
    Column("grade", Text, nullable=False),
    Column("text_ref", Text, nullable=False),
    Column("word_count", Integer, nullable=False, server_default=text("0")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("assignment_id", "label", name="uq_anchors_assignment_label"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("batch_id", Uuid, nullable=False),
    Column("request_id", Uuid, nullable=False),
    Column("user_id", Text, nullable=False),
    Column("correlation_id", Uuid, nullable=False),
    Column("assignment_id", Uuid, nullable=True),
    Column("course_code", Text, nullable=False),
    Column("language", Text, nullable=False),
    Column("grade_scale", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("llm_settings", JSONB, nullable=False),
    Column("budget", JSONB, nullable=False),
    # The judging context sent with every wave (instructions, rubric, student prompt).
    Column("context", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("seed", Integer, nullable=False),
    # The assignment's redact_names when the job started (true without an assignment).
    Column("redact_names", Boolean, nullable=False, server_default=text("true")),
    Column("current_wave", Integer, nullable=False, server_default=text("-1")),
    Column("stop_reason", Text, nullable=True),
    Column("stop_detail", Text, nullable=True),
    Column("reliability_ssr", Float, nullable=True),
    Column("position_bias", Float, nullable=True),
    Column("forced_recovery", Boolean, nullable=False, server_default=text("false")),
    Column("failure_code", Text, nullable=True),
    Column("failure_message", Text, nullable=True),
    Column("submit_failures", Integer, nullable=False, server_default=text("0")),
    Column("next_submit_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("monitor_resubmits", Integer, nullable=False, server_default=text("0")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_activity_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # When progress was last published while a wave's callbacks arrived (paces them; see callbacks.py).
    Column("progress_published_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    # Retention with aggregates kept: when the job's essays and comparisons were purged, and the figures the
    # read API shows from then on (counts, usage, grade distribution; domain/aggregates.py).
    Column("purged_at", DateTime(timezone=True), nullable=True),
    Column("aggregates", JSONB, nullable=True),
    UniqueConstraint("batch_id", "request_id", name="uq_jobs_batch_request"),
    Index("ix_jobs_state", "state"),
)

# Keyed by (job, essay): the same essay can be assessed again in a later job (PITFALLS).
job_essays = Table(
    "job_essays",
    metadata,
    Column("job_id", Uuid, ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("essay_id", Uuid, nullable=False),
    Column("item_index", Integer, nullable=False),
    Column("is_anchor", Boolean, nullable=False),
    Column("known_grade", Text, nullable=True),
    Column("anchor_label", Text, nullable=True),
    Column("text_ref", Text, nullable=False),
    Column("content", Text, nullable=False),  # the original, as the teacher sees it
    # The names content service knows for the author (EssayRef.names), redacted from what LPS is sent.
    Column("names", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    # Results, filled by the finaliser.
    Column("rank", Integer, nullable=True),
    Column("bt_score", Float, nullable=True),
    Column("standard_error", Float, nullable=True),
    Column("normalized_score", Float, nullable=True),
    Column("grade", Text, nullable=True),
    Column("grade_probabilities", JSONB, nullable=True),
    Column("confidence", Float, nullable=True),
    Column("confidence_label", Text, nullable=True),
    Column("comparison_count", Integer, nullable=True),
    Column("anchor_inconsistent", Boolean, nullable=True),
    PrimaryKeyConstraint("job_id", "essay_id", name="pk_job_essays"),
    UniqueConstraint("job_id", "item_index", name="uq_job_essays_index"),
)

waves = Table(
    "waves",
    metadata,
    Column("job_id", Uuid, ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("wave", Integer, nullable=False),
    Column("pairs_planned", Integer, nullable=False),
    Column("planned_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    # After the wave: the marginal reliability the stopping rule reads (null before every essay has the
    # minimum comparisons), the reported SSR, and the pooled theta (the stability history).
    Column("reliability", Float, nullable=True),
    Column("ssr", Float, nullable=True),
    Column("theta", JSONB, nullable=True),
    PrimaryKeyConstraint("job_id", "wave", name="pk_waves"),
)

comparisons = Table(
    "comparisons",
    metadata,
    Column("pair_id", Uuid, primary_key=True),
    Column("request_id", Text, nullable=False),
    Column("job_id", Uuid, nullable=False),
    Column("wave", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("attempt", Integer, nullable=False, server_default=text("1")),
    Column("essay_a_id", Uuid, nullable=False),  # shown first
    Column("essay_b_id", Uuid, nullable=False),
    Column("status", Text, nullable=False),  # planned | done | failed | abandoned
    Column("acknowledged_at", DateTime(timezone=True), nullable=True),
    Column("queue_id", Text, nullable=True),
    Column("winner", Text, nullable=True),  # "A" | "B"
    Column("confidence", Integer, nullable=True),
    Column("justification", Text, nullable=True),
    Column("provider", Text, nullable=True),
    Column("model", Text, nullable=True),
    Column("error_code", Text, nullable=True),
    Column("error_message", Text, nullable=True),
    Column("error_retryable", Boolean, nullable=True),
    # What the answering call cost (a bundle's usage split over its comparisons); NULL = not reported.
    Column("input_tokens", Integer, nullable=True),
    Column("output_tokens", Integer, nullable=True),
    Column("cached_input_tokens", Integer, nullable=True),
    Column("cost_usd", Float, nullable=True),
    Column("provider_request_id", Text, nullable=True),
    Column("planned_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("answered_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("request_id", name="uq_comparisons_request_id"),
    ForeignKeyConstraint(["job_id", "wave"], ["waves.job_id", "waves.wave"], name="fk_comparisons_wave"),
    Index("ix_comparisons_job_status", "job_id", "status"),
)

# Tombstones of the batches erased on huleedu.batch.deleted.v1: no personal data, only the id, so that a late
# request or callback of the batch is dropped instead of storing its texts again.
erased_batches = Table(
    "erased_batches",
    metadata,
    Column("batch_id", Uuid, primary_key=True),
    Column("erased_at", DateTime(timezone=True), nullable=False),
)

# Tombstones of the essays erased on huleedu.class.student_erased.v1 (ids only): a late request of their batch
# leaves them out, and a late callback of one of their comparisons is dropped.
erased_essays = Table(
    "erased_essays",
    metadata,
    Column("batch_id", Uuid, nullable=False),
    Column("essay_id", Uuid, nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("batch_id", "essay_id", name="pk_erased_essays"),
)

# Teacher moderation (issue 24): every human verdict on a finished job, the two essays in the order shown.
# They go with their job (batch erasure, retention's deletion) and with either essay (a student's erasure).
moderation_verdicts = Table(
    "moderation_verdicts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("job_id", Uuid, ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("moderator_user_id", Text, nullable=False),
    Column("first_essay_id", Uuid, nullable=False),  # shown first
    Column("second_essay_id", Uuid, nullable=False),
    Column("winner_essay_id", Uuid, nullable=False),
    Column("reason", Text, nullable=True),  # one line, at most 200 characters
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_moderation_verdicts_job_moderator", "job_id", "moderator_user_id"),
)

# The colleagues a job's owner allowed to moderate it (the owner always may).
job_moderators = Table(
    "job_moderators",
    metadata,
    Column("job_id", Uuid, ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Text, nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("label", Text, nullable=True),  # the email the owner invited them by; shown to the owner only
    PrimaryKeyConstraint("job_id", "user_id", name="pk_job_moderators"),
)

# The LLM asked, after the job, for a moderation pair it had not judged in it (domain/moderation_llm.py): one row
# per job and unordered pair (the request id says which), kept apart from the job's comparisons and waves so the
# job's counts, usage and results stay as published. They go with their job and with either essay.
moderation_llm_comparisons = Table(
    "moderation_llm_comparisons",
    metadata,
    Column("request_id", Text, primary_key=True),
    Column("job_id", Uuid, ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("first_essay_id", Uuid, nullable=False),  # shown first
    Column("second_essay_id", Uuid, nullable=False),
    Column("status", Text, nullable=False),  # planned | done | failed
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("next_submit_at", DateTime(timezone=True), nullable=False),
    Column("submit_failures", Integer, nullable=False, server_default=text("0")),
    Column("acknowledged_at", DateTime(timezone=True), nullable=True),
    Column("winner_essay_id", Uuid, nullable=True),
    Column("error_code", Text, nullable=True),
    Column("answered_at", DateTime(timezone=True), nullable=True),
    # What the answering call cost, as on comparisons (0010); NULL = not reported.
    Column("input_tokens", Integer, nullable=True),
    Column("output_tokens", Integer, nullable=True),
    Column("cached_input_tokens", Integer, nullable=True),
    Column("cost_usd", Float, nullable=True),
    Index("ix_moderation_llm_comparisons_job", "job_id"),
    Index("ix_moderation_llm_comparisons_status", "status", "next_submit_at"),
)
