"""Erasure of one student's essays and retention (issue 23, part 2)

``erased_essays`` keeps the ids of every essay erased on ``huleedu.class.student_erased.v1`` (no personal
data), so that a late assessment request of its batch leaves it out and a late LPS callback of one of its
comparisons is dropped. ``jobs.purged_at`` and ``jobs.aggregates``: the retention policy, keeping
aggregates, purges a finished job's essays and comparisons and keeps these figures on the job instead.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erased_essays",
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("essay_id", sa.Uuid(), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", "essay_id", name="pk_erased_essays"),
    )
    op.add_column("jobs", sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("jobs", sa.Column("aggregates", postgresql.JSONB(), nullable=True))


def downgrade() -> None:
    op.drop_column("jobs", "aggregates")
    op.drop_column("jobs", "purged_at")
    op.drop_table("erased_essays")
