"""The access log (issue 23): who read or exported which batch, essay or student, and when.

Each service that owns personal data declares :func:`access_log_table` on its own metadata (so Alembic
emits it) and records reads made on a teacher's behalf with :meth:`AccessLog.record`, in its own
transaction, before the data leaves the service: a read whose access cannot be written fails instead of
going unrecorded. The teacher reads their own entries through the owner's
``GET /internal/v1/users/{user_id}/access-log`` (``common_core.http.access``).

The log holds ids, never the data read. Its rows go with the teacher's account and after the
deployment's retention period (:meth:`AccessLog.forget_owner`, :meth:`AccessLog.prune`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, DateTime, Identity, Index, MetaData, Table, Text, Uuid, func
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from common_core.http.access import (
    ACCESS_PURPOSE_HEADER,
    MAX_ACCESS_LOG_PAGE,
    AccessAction,
    AccessLogEntry,
    AccessLogPage,
    AccessSubject,
)

__all__ = [
    "ACCESS_PURPOSE_HEADER",
    "AccessLog",
    "Accessor",
    "access_log_table",
    "accessor_from_headers",
    "forget_owner_in",
]


def access_log_table(metadata: MetaData, name: str = "access_log") -> Table:
    actions = ", ".join(f"'{a.value}'" for a in AccessAction)
    subjects = ", ".join(f"'{s.value}'" for s in AccessSubject)
    return Table(
        name,
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        # clock_timestamp, not now(): the rows of one read get distinct times, so paging by time
        # (``before``) cannot skip the rest of a read that a page boundary cut.
        Column("occurred_at", DateTime(timezone=True), nullable=False, server_default=func.clock_timestamp()),
        Column("owner_id", Text, nullable=False),
        Column("actor_user_id", Text, nullable=True),
        Column("actor_service", Text, nullable=False),
        Column("action", Text, nullable=False),
        Column("subject_kind", Text, nullable=False),
        Column("subject_id", Text, nullable=False),
        Column("correlation_id", Uuid, nullable=True),
        CheckConstraint(f"action IN ({actions})", name=f"ck_{name}_action"),
        CheckConstraint(f"subject_kind IN ({subjects})", name=f"ck_{name}_subject_kind"),
        # The teacher's page, newest first.
        Index(f"ix_{name}_owner_time", "owner_id", "occurred_at"),
    )


@dataclass(frozen=True, slots=True)
class Accessor:
    """Who is reading: the teacher it is for, the calling service, and whether it is an export."""

    user_id: str | None
    service: str
    action: AccessAction = AccessAction.READ
    correlation_id: uuid.UUID | None = None


def accessor_from_headers(
    user_id: str | None, service_id: str | None, purpose: str | None, correlation_id: uuid.UUID | None
) -> Accessor:
    """The accessor of an authenticated internal request (the internal guard has checked the service id).

    An unknown ``X-Access-Purpose`` reads as a plain read: the header only ever upgrades a read to an
    export, so a wrong value cannot hide an access.
    """
    action = AccessAction.EXPORT if (purpose or "").strip().lower() == AccessAction.EXPORT else AccessAction.READ
    return Accessor(user_id=user_id, service=service_id or "unknown", action=action, correlation_id=correlation_id)


class AccessLog:
    """One service's access log: record, page through, forget an owner, prune by age."""

    def __init__(self, engine: AsyncEngine, table: Table, service_name: str) -> None:
        self._engine = engine
        self._table = table
        self._service = service_name

    async def record(self, owner_id: str, accessor: Accessor, subjects: Iterable[tuple[AccessSubject, str]]) -> int:
        """Write one row per subject read; returns how many. Nothing is written for no subjects."""
        rows = [
            {
                "owner_id": owner_id,
                "actor_user_id": accessor.user_id,
                "actor_service": accessor.service,
                "action": accessor.action.value,
                "subject_kind": kind.value,
                "subject_id": subject_id,
                "correlation_id": accessor.correlation_id,
            }
            for kind, subject_id in dict.fromkeys(subjects)
        ]
        if not rows:
            return 0
        async with self._engine.begin() as conn:
            await conn.execute(self._table.insert(), rows)
        return len(rows)

    async def page(self, owner_id: str, *, limit: int = 50, before: datetime | None = None) -> AccessLogPage:
        t = self._table
        query = t.select().where(t.c.owner_id == owner_id)
        if before is not None:
            query = query.where(t.c.occurred_at < before)
        query = query.order_by(t.c.occurred_at.desc(), t.c.id.desc()).limit(max(1, min(limit, MAX_ACCESS_LOG_PAGE)))
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return AccessLogPage(
            entries=[
                AccessLogEntry(
                    occurred_at=row["occurred_at"],
                    recorded_by=self._service,
                    actor_user_id=row["actor_user_id"],
                    actor_service=row["actor_service"],
                    action=AccessAction(row["action"]),
                    subject_kind=AccessSubject(row["subject_kind"]),
                    subject_id=row["subject_id"],
                    correlation_id=row["correlation_id"],
                )
                for row in rows
            ]
        )

    async def forget_owner(self, owner_id: str) -> int:
        """The teacher's account is gone: so is the log of their data (in a transaction of its own)."""
        async with self._engine.begin() as conn:
            return await forget_owner_in(conn, self._table, owner_id)

    async def prune(self, cutoff: datetime) -> int:
        """Entries older than the retention cutoff."""
        async with self._engine.begin() as conn:
            result = await conn.execute(self._table.delete().where(self._table.c.occurred_at < cutoff))
        return int(result.rowcount or 0)


async def forget_owner_in(executor: AsyncConnection | AsyncSession, table: Table, owner_id: str) -> int:
    """Delete the teacher's entries in the caller's transaction, so the forgetting commits (or not) with the
    rest of an account deletion; returns how many went."""
    result = await executor.execute(table.delete().where(table.c.owner_id == owner_id))
    return int(getattr(result, "rowcount", 0) or 0)
