"""A teacher's access-log entries, deleted in the fold's transaction when their account is deleted.

The library's ``AccessLog.forget_owner`` runs in a transaction of its own; here the deletion commits with
the fold and the event's idempotency claim, so a redelivered ``teacher_account_deleted`` finds either both
done or neither.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from result_aggregator_service.adapters.tables import access_log


class SqlAccessLogEraser:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def forget_owner(self, owner_id: str) -> int:
        result = await self._session.execute(delete(access_log).where(access_log.c.owner_id == owner_id))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
