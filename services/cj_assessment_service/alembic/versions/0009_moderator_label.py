"""moderator_label: the email the owner invited a colleague by, shown to the owner instead of the id (issue 24)

A nullable column on ``job_moderators``: colleagues added before this revision keep null (the dashboard shows
their id prefix). It is the colleague's personal data held for the owner and goes with the row: the job, the
colleague's account, the owner's removal of the colleague and retention's purge of the job delete it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("job_moderators", sa.Column("label", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("job_moderators", "label")
