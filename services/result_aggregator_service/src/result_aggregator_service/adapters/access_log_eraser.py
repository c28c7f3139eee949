"""A teacher's access-log entries, deleted in the fold's transaction when their account is deleted.

The library's ``AccessLog.forget_owner`` runs in a transaction of its own; here ``forget_owner_in`` deletes
in the fold's session, so the deletion commits with the fold and the event's idempotency claim, and a
redelivered ``teacher_account_deleted`` finds either both done or neither.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from huleedu_service_libs.access_log import forget_owner_in
from result_aggregator_service.adapters.tables import access_log


class SqlAccessLogEraser:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def forget_owner(self, owner_id: str) -> int:
        return await forget_owner_in(self._session, access_log, owner_id)
