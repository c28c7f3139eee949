"""Initial schema: assignments, anchors, jobs, job essays, waves, comparisons, outbox, processed events.

Revision ID: 0001
Revises:
Create Date: 2026-11-30 07:58:51.765743
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from huleedu_service_libs.migration_steps import (
    create_outbox,
    create_processed_events,
    drop_outbox,
    drop_processed_events,
)

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assignments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_user_id", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("course_code", sa.Text(), nullable=False),
        sa.Column("grade_scale", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("student_prompt_ref", sa.Text(), nullable=True),
        sa.Column("instructions_ref", sa.Text(), nullable=False),
        sa.Column("rubric_ref", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    create_outbox()
    op.create_table(
        "jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("correlation_id", sa.Uuid(), nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=True),
        sa.Column("course_code", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("grade_scale", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("llm_settings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("budget", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "context", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("current_wave", sa.Integer(), server_default=sa.text("-1"), nullable=False),
        sa.Column("stop_reason", sa.Text(), nullable=True),
        sa.Column("stop_detail", sa.Text(), nullable=True),
        sa.Column("reliability_ssr", sa.Float(), nullable=True),
        sa.Column("position_bias", sa.Float(), nullable=True),
        sa.Column("forced_recovery", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("failure_code", sa.Text(), nullable=True),
        sa.Column("failure_message", sa.Text(), nullable=True),
        sa.Column("submit_failures", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_submit_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("monitor_resubmits", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id", "request_id", name="uq_jobs_batch_request"),
    )
    op.create_index("ix_jobs_state", "jobs", ["state"], unique=False)
    create_processed_events()
    op.create_table(
        "anchors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("grade", sa.Text(), nullable=False),
        sa.Column("text_ref", sa.Text(), nullable=False),
        sa.Column("word_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("assignment_id", "label", name="uq_anchors_assignment_label"),
    )
    op.create_table(
        "job_essays",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("essay_id", sa.Uuid(), nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=False),
        sa.Column("is_anchor", sa.Boolean(), nullable=False),
        sa.Column("known_grade", sa.Text(), nullable=True),
        sa.Column("text_ref", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("bt_score", sa.Float(), nullable=True),
        sa.Column("standard_error", sa.Float(), nullable=True),
        sa.Column("normalized_score", sa.Float(), nullable=True),
        sa.Column("grade", sa.Text(), nullable=True),
        sa.Column("grade_probabilities", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("confidence_label", sa.Text(), nullable=True),
        sa.Column("comparison_count", sa.Integer(), nullable=True),
        sa.Column("anchor_inconsistent", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "essay_id", name="pk_job_essays"),
        sa.UniqueConstraint("job_id", "item_index", name="uq_job_essays_index"),
    )
    op.create_table(
        "waves",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("stream", sa.Integer(), nullable=False),
        sa.Column("pairs_planned", sa.Integer(), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stream_reliability", sa.Float(), nullable=True),
        sa.Column("ssr", sa.Float(), nullable=True),
        sa.Column("theta", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "wave", name="pk_waves"),
    )
    op.create_table(
        "comparisons",
        sa.Column("pair_id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("stream", sa.Integer(), nullable=False),
        sa.Column("essay_a_id", sa.Uuid(), nullable=False),
        sa.Column("essay_b_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("queue_id", sa.Text(), nullable=True),
        sa.Column("winner", sa.Text(), nullable=True),
        sa.Column("confidence", sa.Integer(), nullable=True),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column("provider", sa.Text(), nullable=True),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("error_code", sa.Text(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("error_retryable", sa.Boolean(), nullable=True),
        sa.Column("planned_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["job_id", "wave"], ["waves.job_id", "waves.wave"], name="fk_comparisons_wave"),
        sa.PrimaryKeyConstraint("pair_id"),
        sa.UniqueConstraint("request_id", name="uq_comparisons_request_id"),
    )
    op.create_index("ix_comparisons_job_status", "comparisons", ["job_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_comparisons_job_status", table_name="comparisons")
    op.drop_table("comparisons")
    op.drop_table("waves")
    op.drop_table("job_essays")
    op.drop_table("anchors")
    drop_processed_events()
    op.drop_index("ix_jobs_state", table_name="jobs")
    op.drop_table("jobs")
    drop_outbox()
    op.drop_table("assignments")
