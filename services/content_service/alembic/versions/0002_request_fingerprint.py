"""assessment_requests.request_fingerprint: a reused Idempotency-Key with other settings is refused

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 08:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: requests stored before this revision have no fingerprint and keep replaying.
    op.add_column("assessment_requests", sa.Column("request_fingerprint", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("assessment_requests", "request_fingerprint")
