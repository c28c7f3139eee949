"""batches, essays, texts, assessment requests, outbox and processed events

Revision ID: 0001
Revises:
Create Date: 2026-11-30 07:57:28.927295
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

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
        "batches",
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("course_code", sa.Text(), nullable=False),
        sa.Column("class_id", sa.Uuid(), nullable=True),
        sa.Column("assignment_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'assessment_requested', 'assessing', 'completed', 'failed')", name="ck_batches_status"
        ),
        sa.PrimaryKeyConstraint("batch_id"),
    )
    op.create_index("ix_batches_owner_created", "batches", ["owner_id", "created_at"], unique=False)
    create_outbox()
    create_processed_events()
    op.create_table(
        "texts",
        sa.Column("text_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "kind IN ('essay', 'anchor', 'student_prompt', 'instructions', 'rubric')", name="ck_texts_kind"
        ),
        sa.CheckConstraint("text_id ~ '^[0-9a-f]{64}$'", name="ck_texts_text_id_sha256"),
        sa.PrimaryKeyConstraint("text_id"),
    )
    op.create_table(
        "assessment_requests",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("essay_count", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.batch_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("request_id"),
        sa.UniqueConstraint("batch_id", "idempotency_key", name="uq_assessment_requests_batch_key"),
    )
    op.create_index(
        "ix_assessment_requests_batch_requested", "assessment_requests", ["batch_id", "requested_at"], unique=False
    )
    op.create_table(
        "essays",
        sa.Column("essay_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("text_id", sa.Text(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("author_hint", sa.Text(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.batch_id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["text_id"],
            ["texts.text_id"],
        ),
        sa.PrimaryKeyConstraint("essay_id"),
        sa.UniqueConstraint("batch_id", "text_id", name="uq_essays_batch_text"),
    )
    op.create_index("ix_essays_batch_seq", "essays", ["batch_id", "seq"], unique=False)
    op.create_index("ix_essays_text_id", "essays", ["text_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_essays_text_id", table_name="essays")
    op.drop_index("ix_essays_batch_seq", table_name="essays")
    op.drop_table("essays")
    op.drop_index("ix_assessment_requests_batch_requested", table_name="assessment_requests")
    op.drop_table("assessment_requests")
    op.drop_table("texts")
    drop_processed_events()
    drop_outbox()
    op.drop_index("ix_batches_owner_created", table_name="batches")
    op.drop_table("batches")
