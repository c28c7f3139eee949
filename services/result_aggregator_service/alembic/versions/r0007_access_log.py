"""The access log (issue 23): who read or exported which of a teacher's batches, and when.

Revision ID: 0007
Revises: 0006
"""

from huleedu_service_libs.migration_steps import create_access_log, drop_access_log

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # huleedu_service_libs.access_log.access_log_table, as it stands at this revision.
    create_access_log()


def downgrade() -> None:
    drop_access_log()
