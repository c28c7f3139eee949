"""moderation_llm_comparisons: the LLM's verdicts on moderation pairs it had not judged in the job (issue 24)

When a teacher judges a pair of a completed job that the LLM never answered in it, CJ asks the LLM once, so
that agreement is measured on every moderated pair. One row per job and unordered pair (the deterministic
request id is the key), apart from the job's comparisons and waves; it goes with its job (ON DELETE CASCADE).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "moderation_llm_comparisons",
        sa.Column("request_id", sa.Text(), primary_key=True),
        sa.Column("job_id", sa.Uuid(), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("first_essay_id", sa.Uuid(), nullable=False),
        sa.Column("second_essay_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_submit_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submit_failures", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("winner_essay_id", sa.Uuid(), nullable=True),
        sa.Column("error_code", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_moderation_llm_comparisons_job", "moderation_llm_comparisons", ["job_id"])
    op.create_index("ix_moderation_llm_comparisons_status", "moderation_llm_comparisons", ["status", "next_submit_at"])


def downgrade() -> None:
    op.drop_index("ix_moderation_llm_comparisons_status", table_name="moderation_llm_comparisons")
    op.drop_index("ix_moderation_llm_comparisons_job", table_name="moderation_llm_comparisons")
    op.drop_table("moderation_llm_comparisons")
