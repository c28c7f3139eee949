"""The grade bands' boundaries in the read model: assessment_jobs.grade_cut_points

CJ's result event now carries its grade cut points (on the results' bt_score scale) for the dashboard's
scale chart. NOT NULL with '[]': jobs folded earlier, jobs without results yet and events from older
publishers all have no cut points to show, which the views answer as an empty list.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column(
        "assessment_jobs",
        sa.Column("grade_cut_points", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
    )


def downgrade() -> None:
    op.drop_column("assessment_jobs", "grade_cut_points")
