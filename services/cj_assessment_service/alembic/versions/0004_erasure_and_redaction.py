"""Erasure of deleted batches and redaction of authors' names (issue 23)

``erased_batches`` keeps the id of every batch erased on ``huleedu.batch.deleted.v1`` (no personal data), so
that a late assessment request or LPS callback of the batch is dropped. ``job_essays.names`` holds the names
content service knows for each essay's author, replaced with a placeholder in what is sent to LPS;
``assignments.redact_names`` (default true) turns that off per assignment, and ``jobs.redact_names`` keeps
the assignment's choice as it was when the job started (true for a job without an assignment, and for the
jobs and assignments that exist before this revision).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erased_batches",
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("batch_id"),
    )
    op.add_column(
        "job_essays",
        sa.Column("names", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
    )
    for table in ("assignments", "jobs"):
        op.add_column(table, sa.Column("redact_names", sa.Boolean(), nullable=False, server_default=sa.text("true")))


def downgrade() -> None:
    for table in ("jobs", "assignments"):
        op.drop_column(table, "redact_names")
    op.drop_column("job_essays", "names")
    op.drop_table("erased_batches")
