"""Erasure of a deleted batch (issue 23): outcomes and batch-job items name their batch, erased batches
are remembered, and the batch.deleted consumer's handled events are recorded.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from huleedu_service_libs.migration_steps import create_processed_events, drop_processed_events

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Both tables name their batch the same way: a nullable column and a partial index of the named ones.
BATCH_NAMING_TABLES = ("comparison_outcomes", "batch_job_items")
NAMED = sa.text("batch_id IS NOT NULL")


def upgrade() -> None:
    for table in BATCH_NAMING_TABLES:
        op.add_column(table, sa.Column("batch_id", sa.Uuid(), nullable=True))
        op.create_index(f"ix_{table}_batch_id", table, ["batch_id"], unique=False, postgresql_where=NAMED)
    op.create_table(
        "erased_batches",
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("batch_id"),
    )
    create_processed_events()


def downgrade() -> None:
    drop_processed_events()
    op.drop_table("erased_batches")
    for table in reversed(BATCH_NAMING_TABLES):
        op.drop_index(f"ix_{table}_batch_id", table_name=table, postgresql_where=NAMED)
        op.drop_column(table, "batch_id")
