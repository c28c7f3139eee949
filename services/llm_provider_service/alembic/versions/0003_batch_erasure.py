"""Erasure of a deleted batch (issue 23): outcomes and batch-job items name their batch, erased batches
are remembered, and the batch.deleted consumer's handled events are recorded.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("comparison_outcomes", sa.Column("batch_id", sa.Uuid(), nullable=True))
    op.create_index(
        "ix_comparison_outcomes_batch_id",
        "comparison_outcomes",
        ["batch_id"],
        unique=False,
        postgresql_where=sa.text("batch_id IS NOT NULL"),
    )
    op.add_column("batch_job_items", sa.Column("batch_id", sa.Uuid(), nullable=True))
    op.create_index(
        "ix_batch_job_items_batch_id",
        "batch_job_items",
        ["batch_id"],
        unique=False,
        postgresql_where=sa.text("batch_id IS NOT NULL"),
    )
    op.create_table(
        "erased_batches",
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("batch_id"),
    )
    op.create_table(
        "processed_events",
        sa.Column("consumer_name", sa.Text(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("consumer_name", "event_id"),
    )


def downgrade() -> None:
    op.drop_table("processed_events")
    op.drop_table("erased_batches")
    op.drop_index(
        "ix_batch_job_items_batch_id", table_name="batch_job_items", postgresql_where=sa.text("batch_id IS NOT NULL")
    )
    op.drop_column("batch_job_items", "batch_id")
    op.drop_index(
        "ix_comparison_outcomes_batch_id",
        table_name="comparison_outcomes",
        postgresql_where=sa.text("batch_id IS NOT NULL"),
    )
    op.drop_column("comparison_outcomes", "batch_id")
