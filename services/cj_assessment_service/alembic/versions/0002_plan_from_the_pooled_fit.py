"""Plan from the pooled fit: no streams; waves.stream_reliability becomes waves.reliability (marginal)

The planner now adapts to the fit of every comparison and the stopping rule reads the marginal-likelihood
reliability (docs/decisions/0004), so neither waves nor comparisons have a stream any more. Rows written
before this revision keep their two-stream value under the new name: it too was an uninflated estimate,
so a job in flight during the upgrade may stop on one old and one new value.

Downgrade restores the streams as ``wave % 2`` (what ``stream_of_wave`` assigned) and the old column name,
which then holds the marginal reliabilities written since.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_column("comparisons", "stream")
    op.drop_column("waves", "stream")
    op.alter_column("waves", "stream_reliability", new_column_name="reliability")


def downgrade() -> None:
    op.alter_column("waves", "reliability", new_column_name="stream_reliability")
    # Added nullable, filled, then made NOT NULL: the 0001 columns have no server default.
    for table in ("waves", "comparisons"):
        op.add_column(table, sa.Column("stream", sa.Integer(), nullable=True))
        op.execute(f"UPDATE {table} SET stream = wave % 2")
        op.alter_column(table, "stream", nullable=False)
