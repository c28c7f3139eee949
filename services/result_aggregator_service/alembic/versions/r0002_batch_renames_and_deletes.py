"""Batch renames and deletes: batches.title_updated_at orders renames, batches.deleted_at is the tombstone.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("batches", sa.Column("title_updated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("batches", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("batches", "deleted_at")
    op.drop_column("batches", "title_updated_at")
