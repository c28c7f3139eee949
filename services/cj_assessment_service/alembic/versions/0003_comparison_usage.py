"""Comparison usage (tokens, cost, the provider's call id), anchors' labels in jobs, progress pacing

LPS callbacks carry usage and cost; the job's totals (the completed and failed events, RAS, the teacher's
monthly spend) are summed from these columns. NULL means the provider reported none, never 0.
``provider_request_id`` tells one call that answered a serial bundle from one call per comparison.
``jobs.progress_published_at`` spaces the progress events published while a wave's callbacks arrive.
``job_essays.anchor_label`` keeps the label of an anchor as it was when the job started, for its results.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("input_tokens", sa.Integer()),
    ("output_tokens", sa.Integer()),
    ("cached_input_tokens", sa.Integer()),
    ("cost_usd", sa.Float()),
    ("provider_request_id", sa.Text()),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("comparisons", sa.Column(name, type_, nullable=True))
    op.add_column("job_essays", sa.Column("anchor_label", sa.Text(), nullable=True))
    op.add_column("jobs", sa.Column("progress_published_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("jobs", "progress_published_at")
    op.drop_column("job_essays", "anchor_label")
    for name, _ in COLUMNS:
        op.drop_column("comparisons", name)
