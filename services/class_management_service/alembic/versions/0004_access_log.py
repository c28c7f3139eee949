"""access_log: who read or exported which of a teacher's students and batches, and when (issue 23)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 09:00:00.000000
"""

from collections.abc import Sequence

from huleedu_service_libs.migration_steps import create_access_log, drop_access_log

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # huleedu_service_libs.access_log.access_log_table, as it stands at this revision.
    create_access_log()


def downgrade() -> None:
    drop_access_log()
