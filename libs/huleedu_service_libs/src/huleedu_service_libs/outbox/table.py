"""The outbox table: events written in the business transaction, published later by the relay."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

STATUS_PENDING = "pending"
STATUS_PUBLISHED = "published"
STATUS_DEAD = "dead"

# PostgreSQL truncates identifiers (and rejects notify channels) beyond 63 bytes.
_MAX_IDENTIFIER = 63


def outbox_table(metadata: MetaData, name: str = "event_outbox") -> Table:
    """Declare the outbox on a service's own ``metadata``, so Alembic autogenerate emits it.

    ``id`` is an identity column and gives the publish order. ``headers`` holds the Kafka
    headers as a JSON list of ``[name, text]`` pairs. A row moves from ``pending`` to
    ``published``, or to the terminal ``dead`` once its retries are spent; dead rows are never
    selected again, so they cannot block the rows behind them (PITFALLS: reliability). The
    partial index keeps the relay's claim query cheap however many published rows pile up.
    Constraint and index names are explicit so migrations do not depend on a naming convention.
    """
    return Table(
        name,
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("event_id", Uuid, nullable=False),
        Column("topic", Text, nullable=False),
        Column("message_key", LargeBinary, nullable=True),
        Column("value", LargeBinary, nullable=False),
        Column("headers", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
        Column("status", Text, nullable=False, server_default=STATUS_PENDING),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True), nullable=True),
        UniqueConstraint("event_id", name=_identifier("uq", name, "event_id")),
        CheckConstraint(
            f"status IN ('{STATUS_PENDING}', '{STATUS_PUBLISHED}', '{STATUS_DEAD}')",
            name=_identifier("ck", name, "status"),
        ),
        Index(_identifier("ix", name, "pending"), "id", postgresql_where=text(f"status = '{STATUS_PENDING}'")),
    )


def notify_channel(table: Table) -> str:
    """The LISTEN/NOTIFY channel on which a commit that added rows to ``table`` wakes the relay."""
    return _identifier(table.name, "pending")


def _identifier(*parts: str) -> str:
    return "_".join(parts)[:_MAX_IDENTIFIER]
