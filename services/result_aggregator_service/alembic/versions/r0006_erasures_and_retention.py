"""Erasing a student and retention (issue 23): erased_essays keeps the ids of a student's erased essays (a
tombstone, so a late upload or result of one stores nothing), batches.essays_purged_at marks a batch whose
essays and results the retention policy purged while its aggregates stay.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("batches", sa.Column("essays_purged_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "erased_essays",
        sa.Column("batch_id", sa.Uuid(), primary_key=True),
        sa.Column("essay_id", sa.Uuid(), primary_key=True),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.batch_id"], ondelete="CASCADE", name="fk_erased_essays_batch"),
    )


def downgrade() -> None:
    op.drop_table("erased_essays")
    op.drop_column("batches", "essays_purged_at")
