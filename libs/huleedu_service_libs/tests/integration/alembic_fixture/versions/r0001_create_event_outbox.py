"""Create the event outbox, the processed-events table and the access log with the library's migration steps.

Revision ID: 0001
Revises:
"""

from huleedu_service_libs.migration_steps import (
    create_access_log,
    create_outbox,
    create_processed_events,
    drop_access_log,
    drop_outbox,
    drop_processed_events,
)

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    create_outbox()
    create_processed_events()
    create_access_log()


def downgrade() -> None:
    drop_access_log()
    drop_processed_events()
    drop_outbox()
