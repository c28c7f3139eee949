"""access_log: who read which batch or essay (issue 23); text_owners: who stored each assignment text

``text_owners`` holds one row per teacher who stored a text through the internal store (instructions,
prompts, rubrics, anchors), so that a teacher's account deletion can remove the texts no other teacher
stored. The texts stored before this revision name no teacher: each gets the unknown owner ``''``, which
no account deletion ever removes (another teacher's assignment may use it).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from huleedu_service_libs.migration_steps import create_access_log, drop_access_log

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_access_log()
    op.create_table(
        "text_owners",
        sa.Column("text_id", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["text_id"], ["texts.text_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("text_id", "owner_id"),
    )
    op.create_index("ix_text_owners_owner", "text_owners", ["owner_id"], unique=False)
    op.execute("INSERT INTO text_owners (text_id, owner_id) SELECT text_id, '' FROM texts WHERE kind <> 'essay'")


def downgrade() -> None:
    op.drop_index("ix_text_owners_owner", table_name="text_owners")
    op.drop_table("text_owners")
    drop_access_log()
