"""Create the event outbox and the processed-events table with the library's migration steps.

Revision ID: 0001
Revises:
"""

from huleedu_service_libs.migration_steps import (
    create_outbox,
    create_processed_events,
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


def downgrade() -> None:
    drop_processed_events()
    drop_outbox()
