"""batches(owner_id, registered_at): a teacher's batches newest first without scanning everyone's

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_batches_owner_id_registered_at", "batches", ["owner_id", "registered_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_batches_owner_id_registered_at", table_name="batches")
