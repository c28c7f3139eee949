"""The unit of work of one consumed event, on the consumer runner's per-record session.

The runner opens the transaction, claims the event id in it and commits both with the fold, so
this unit of work never commits: it only puts the read-model writer (and the access log's eraser) on that
session.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from result_aggregator_service.adapters.access_log_eraser import SqlAccessLogEraser
from result_aggregator_service.adapters.read_model_writer import SqlReadModelWriter


class SqlUnitOfWork:
    def __init__(self, session: AsyncSession) -> None:
        self.read_model = SqlReadModelWriter(session)
        self.access_log = SqlAccessLogEraser(session)
