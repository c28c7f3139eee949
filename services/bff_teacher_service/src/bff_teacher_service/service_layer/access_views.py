"""The teacher's access log: each owner's log of who read or exported the teacher's data, merged.

The four owners that keep one are asked at once, each under its own timeout (``parts.fetch``), with
the same ``limit`` and ``before``. Each answers its newest ``limit`` entries older than ``before``, so
the newest ``limit`` of their union are the newest ``limit`` of all four logs: the merged page is
exact, and the next page is asked with its last entry's ``occurred_at`` as ``before``. An owner that
fails is named in ``gaps`` by its service name (what its entries carry in ``recorded_by``); its
entries are missing from the page, which is still a 200.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from bff_teacher_service.service_layer.parts import fetch
from bff_teacher_service.service_layer.ports import (
    CJ_ASSESSMENT,
    CLASS_MANAGEMENT,
    CONTENT,
    RESULT_AGGREGATOR,
    SERVICE_NAMES,
    Owners,
)
from common_core.http.access import AccessLogEntry, AccessLogView

ACCESS_LOG_OWNERS = (CLASS_MANAGEMENT, CONTENT, CJ_ASSESSMENT, RESULT_AGGREGATOR)


@dataclass(frozen=True)
class AccessLogViews:
    owners: Owners
    timeout_s: float

    async def access_log(self, user_id: str, limit: int, before: datetime | None) -> AccessLogView:
        pages = await asyncio.gather(
            *(
                fetch(self.owners.access_log(user_id, owner, limit, before), owner, self.timeout_s)
                for owner in ACCESS_LOG_OWNERS
            )
        )
        entries = [entry for page in pages if page.value is not None for entry in page.value.entries]
        return AccessLogView(
            entries=_newest_first(entries)[:limit],
            gaps=[SERVICE_NAMES[owner] for owner, page in zip(ACCESS_LOG_OWNERS, pages, strict=True) if page.reason],
        )


def _newest_first(entries: list[AccessLogEntry]) -> list[AccessLogEntry]:
    # Entries of the same instant keep one order from page to page (by owner, then subject): sorted
    # by those first, then by time, which a stable sort leaves in that order among equals.
    by_subject = sorted(entries, key=lambda e: (e.recorded_by, e.subject_kind.value, e.subject_id))
    return sorted(by_subject, key=lambda e: e.occurred_at, reverse=True)
