"""Alembic steps for the tables services take from this library: the outbox, processed events, the access log.

A migration calls ``create_outbox()`` where it would otherwise spell out the table that
``outbox_table(metadata)`` declares (likewise ``create_processed_events()`` for
``processed_events_table``), so the column list is written once instead of once per service.

These steps are part of migrations that have already run in every environment, so what they
create is frozen: a later change to the outbox or the processed-events table is a new migration
step (a new function here when every service takes it), never an edit of these. The sample
environment's test (tests/integration/test_migrations.py) proves that these steps and the
declarations in ``outbox/table.py`` and ``idempotency.py`` still describe the same tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

_OUTBOX = "event_outbox"
_OUTBOX_PENDING_INDEX = "ix_event_outbox_pending"
_PENDING = sa.text("status = 'pending'")
_PROCESSED_EVENTS = "processed_events"


def create_outbox() -> None:
    """Create ``event_outbox`` and its partial index of pending rows, as ``outbox_table`` declares them."""
    op.create_table(
        _OUTBOX,
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("message_key", sa.LargeBinary(), nullable=True),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column(
            "headers", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'published', 'dead')", name="ck_event_outbox_status"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", name="uq_event_outbox_event_id"),
    )
    op.create_index(_OUTBOX_PENDING_INDEX, _OUTBOX, ["id"], unique=False, postgresql_where=_PENDING)


def drop_outbox() -> None:
    """Undo ``create_outbox``."""
    op.drop_index(_OUTBOX_PENDING_INDEX, table_name=_OUTBOX, postgresql_where=_PENDING)
    op.drop_table(_OUTBOX)


def create_processed_events() -> None:
    """Create ``processed_events``, the consumers' idempotency claims, as ``processed_events_table`` declares it."""
    op.create_table(
        _PROCESSED_EVENTS,
        sa.Column("consumer_name", sa.Text(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("consumer_name", "event_id"),
    )


def drop_processed_events() -> None:
    """Undo ``create_processed_events``."""
    op.drop_table(_PROCESSED_EVENTS)


_ACCESS_LOG = "access_log"
_ACCESS_LOG_INDEX = "ix_access_log_owner_time"


def create_access_log() -> None:
    """Create ``access_log`` and its per-teacher time index, as ``access_log_table`` declares them."""
    op.create_table(
        _ACCESS_LOG,
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "occurred_at", sa.DateTime(timezone=True), server_default=sa.text("clock_timestamp()"), nullable=False
        ),
        sa.Column("owner_id", sa.Text(), nullable=False),
        sa.Column("actor_user_id", sa.Text(), nullable=True),
        sa.Column("actor_service", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("subject_kind", sa.Text(), nullable=False),
        sa.Column("subject_id", sa.Text(), nullable=False),
        sa.Column("correlation_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint("action IN ('read', 'export')", name="ck_access_log_action"),
        sa.CheckConstraint("subject_kind IN ('batch', 'essay', 'student')", name="ck_access_log_subject_kind"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(_ACCESS_LOG_INDEX, _ACCESS_LOG, ["owner_id", "occurred_at"], unique=False)


def drop_access_log() -> None:
    """Undo ``create_access_log``."""
    op.drop_index(_ACCESS_LOG_INDEX, table_name=_ACCESS_LOG)
    op.drop_table(_ACCESS_LOG)
