"""Provider batch jobs and their items (provider_batch_api), persisted so a restart resumes polling.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "batch_jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("provider_batch_id", sa.Text(), nullable=True),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_check_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status IN ('creating', 'submitted', 'ended')", name="ck_batch_jobs_status"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_batch_jobs_open",
        "batch_jobs",
        ["next_check_at"],
        unique=False,
        postgresql_where=sa.text("status <> 'ended'"),
    )
    op.create_table(
        "batch_job_items",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("custom_id", sa.Text(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=False),
        sa.Column("item", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("request_body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("prompt_version", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["batch_jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "custom_id"),
    )
    op.create_index("ix_batch_job_items_request_id", "batch_job_items", ["request_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_batch_job_items_request_id", table_name="batch_job_items")
    op.drop_table("batch_job_items")
    op.drop_index("ix_batch_jobs_open", table_name="batch_jobs", postgresql_where=sa.text("status <> 'ended'"))
    op.drop_table("batch_jobs")
