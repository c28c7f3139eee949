"""access_log: who read which batch's or essay's comparisons, and when (issue 23)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 09:00:00.000000
"""

from collections.abc import Sequence

from huleedu_service_libs.migration_steps import create_access_log, drop_access_log

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_access_log()


def downgrade() -> None:
    drop_access_log()
