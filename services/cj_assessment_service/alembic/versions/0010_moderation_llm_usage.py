"""moderation_llm_usage: what each LLM answer to a moderation pair cost (issue 24)

The LLM's checks of moderation pairs are paid calls like a job's comparisons, but the job's usage was
published when it completed and stays so. Their callbacks' tokens and cost are kept on
``moderation_llm_comparisons`` (the columns ``comparisons`` has since 0003) and summed in the moderation
report. Nullable: NULL means the provider reported none (and rows answered before this revision), never 0.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("input_tokens", sa.Integer()),
    ("output_tokens", sa.Integer()),
    ("cached_input_tokens", sa.Integer()),
    ("cost_usd", sa.Float()),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("moderation_llm_comparisons", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    for name, _ in COLUMNS:
        op.drop_column("moderation_llm_comparisons", name)
