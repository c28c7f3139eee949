"""Marginal-likelihood reliability beside SSR: assessment_jobs.progress_reliability and result_reliability.

Nullable: jobs folded before CJ published the field, and events from a publisher that predates it,
keep NULL.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("assessment_jobs", sa.Column("progress_reliability", sa.Float(), nullable=True))
    op.add_column("assessment_jobs", sa.Column("result_reliability", sa.Float(), nullable=True))


def downgrade() -> None:
    op.drop_column("assessment_jobs", "result_reliability")
    op.drop_column("assessment_jobs", "progress_reliability")
