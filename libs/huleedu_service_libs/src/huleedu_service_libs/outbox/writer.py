"""Write an event to the outbox inside the caller's business transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from common_core.envelope import EventEnvelope
from huleedu_service_libs.outbox.table import notify_channel


def _encode_key(key: str | bytes | None) -> bytes | None:
    if key is None or isinstance(key, bytes):
        return key
    return key.encode("utf-8")


async def add_to_outbox(
    session: AsyncSession,
    table: Table,
    envelope: EventEnvelope[Any],
    *,
    key: str | bytes | None,
    topic: str | None = None,
) -> None:
    """Add ``envelope`` to the outbox ``table`` in the session's current transaction.

    Never commits: the row becomes visible exactly when the caller's state change commits, and
    vanishes with it on rollback, so the state and its event cannot disagree (a crash between a
    separate commit and a publish used to lose events). ``key`` is the aggregate's id, which
    keeps one aggregate's events in order on one partition. ``topic`` defaults to the
    envelope's ``event_type``.

    The ``pg_notify`` rides on the same transaction: PostgreSQL delivers it only on commit,
    so a listening relay wakes at once instead of waiting for its next poll.
    """
    await session.execute(
        insert(table).values(
            event_id=envelope.event_id,
            topic=topic or envelope.event_type,
            message_key=_encode_key(key),
            value=envelope.to_bytes(),
            headers=[[name, value.decode("utf-8")] for name, value in envelope.kafka_headers()],
        )
    )
    await session.execute(select(func.pg_notify(notify_channel(table), "")))
