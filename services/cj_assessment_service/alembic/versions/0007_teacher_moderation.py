"""moderation_verdicts and job_moderators: teacher moderation of a finished job (issue 24)

Every human verdict on a job's pair, the two essays in the order shown, with an optional one-line reason,
and the colleagues the job's owner allowed to moderate. Both go with their job (ON DELETE CASCADE).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "moderation_verdicts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("job_id", sa.Uuid(), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("moderator_user_id", sa.Text(), nullable=False),
        sa.Column("first_essay_id", sa.Uuid(), nullable=False),
        sa.Column("second_essay_id", sa.Uuid(), nullable=False),
        sa.Column("winner_essay_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_moderation_verdicts_job_moderator", "moderation_verdicts", ["job_id", "moderator_user_id"])
    op.create_table(
        "job_moderators",
        sa.Column("job_id", sa.Uuid(), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("job_id", "user_id", name="pk_job_moderators"),
    )


def downgrade() -> None:
    op.drop_table("job_moderators")
    op.drop_index("ix_moderation_verdicts_job_moderator", table_name="moderation_verdicts")
    op.drop_table("moderation_verdicts")
