"""The job's outcome and cost in the read model: stop reason, position bias, partial results, usage; anchors' labels

CJ's completed, failed and result events now carry calls, tokens and cost, the stop detail and the position
bias's SE; results carry each anchor's label. All nullable: jobs folded earlier and events from older
publishers keep NULL (unknown), never 0. ``finished_at`` dates a job's spend for the monthly and term totals.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

JOB_COLUMNS = (
    ("stop_reason", sa.Text()),
    ("stop_detail", sa.Text()),
    ("position_bias", sa.Float()),
    ("position_bias_se", sa.Float()),
    ("grade_projection_note", sa.Text()),
    ("llm_calls", sa.Integer()),
    ("input_tokens", sa.BigInteger()),
    ("output_tokens", sa.BigInteger()),
    ("cost_usd", sa.Float()),
    ("usage_unreported", sa.Integer()),
    ("finished_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    for name, type_ in JOB_COLUMNS:
        op.add_column("assessment_jobs", sa.Column(name, type_, nullable=True))
    op.add_column(
        "assessment_jobs", sa.Column("forced_recovery", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("essay_results", sa.Column("anchor_label", sa.Text(), nullable=True))
    op.add_column("essay_results", sa.Column("anchor_inconsistent", sa.Boolean(), nullable=True))


def downgrade() -> None:
    op.drop_column("essay_results", "anchor_inconsistent")
    op.drop_column("essay_results", "anchor_label")
    op.drop_column("assessment_jobs", "forced_recovery")
    for name, _ in reversed(JOB_COLUMNS):
        op.drop_column("assessment_jobs", name)
