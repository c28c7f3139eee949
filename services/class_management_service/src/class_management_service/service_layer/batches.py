"""Batch-to-class links, from ``batch.registered``, and the internal class-info lookup."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.adapters.tables import batches, classes
from common_core.events.batch import BatchRegisteredV1
from common_core.http.class_management import MAX_BATCH_IDS_PER_CLASS_INFO, BatchClassInfo, BatchClassInfoResponse
from huleedu_service_libs.errors import ValidationFailedError

# The first key of the two-key advisory lock, so batch locks never collide with other locks.
_BATCH_LOCK_SPACE = 0x434D53  # "CMS"
# A batch's class counts only when that class belongs to the batch's owner, so a batch can
# never expose or match against another teacher's class.
OWNED_CLASS = and_(classes.c.id == batches.c.class_id, classes.c.owner_id == batches.c.owner_id)


async def lock_batch(session: AsyncSession, batch_id: uuid.UUID) -> None:
    """Serialise this transaction with any other handling the same batch, until it commits.

    batch.registered and essay.uploaded can be handled at once by two replicas (different
    topics, different partitions). Without the lock each would miss the other's uncommitted
    row, and the essay would never be matched; with it, the second one sees the first's rows.
    """
    await session.execute(select(func.pg_advisory_xact_lock(_BATCH_LOCK_SPACE, func.hashtext(str(batch_id)))))


async def record_batch(session: AsyncSession, event: BatchRegisteredV1) -> bool:
    """Remember the batch's owner and class; ``False`` if it was already known (a batch's class never changes)."""
    inserted = await session.execute(
        pg_insert(batches)
        .values(id=event.batch_id, owner_id=event.user_id, class_id=event.class_id)
        .on_conflict_do_nothing(index_elements=[batches.c.id])
        .returning(batches.c.id)
    )
    return inserted.first() is not None


async def batch_with_class(session: AsyncSession, batch_id: uuid.UUID) -> Any | None:
    """``(id, owner_id, class_id, class_name)`` with class columns null when it has no valid class."""
    result = await session.execute(
        select(batches.c.id, batches.c.owner_id, classes.c.id.label("class_id"), classes.c.name.label("class_name"))
        .select_from(batches.outerjoin(classes, OWNED_CLASS))
        .where(batches.c.id == batch_id)
    )
    return result.one_or_none()


def parse_batch_ids(raw: str | None) -> list[uuid.UUID]:
    """``batch_ids=a,b`` (or the parameter repeated, joined by the caller) as UUIDs, in order, without repeats."""
    parts = [part.strip() for part in (raw or "").split(",") if part.strip()]
    if not parts:
        raise ValidationFailedError(
            "batch_ids: give at least one batch id", details={"fields": [{"field": "batch_ids", "message": "empty"}]}
        )
    ids: list[uuid.UUID] = []
    for part in parts:
        try:
            batch_id = uuid.UUID(part)
        except ValueError:
            raise ValidationFailedError(
                f"batch_ids: {part!r} is not a UUID",
                details={"fields": [{"field": "batch_ids", "message": f"{part!r} is not a UUID"}]},
            ) from None
        if batch_id not in ids:
            ids.append(batch_id)
    if len(ids) > MAX_BATCH_IDS_PER_CLASS_INFO:
        raise ValidationFailedError(
            f"batch_ids: at most {MAX_BATCH_IDS_PER_CLASS_INFO} batch ids per call, got {len(ids)}; split the request",
            details={"fields": [{"field": "batch_ids", "message": f"more than {MAX_BATCH_IDS_PER_CLASS_INFO}"}]},
        )
    return ids


async def class_info(session: AsyncSession, owner_id: str, batch_ids: Sequence[uuid.UUID]) -> BatchClassInfoResponse:
    """Another teacher's batch answers null, exactly like an unknown one."""
    rows = await session.execute(
        select(batches.c.id, classes.c.id.label("class_id"), classes.c.name.label("class_name"))
        .select_from(batches.outerjoin(classes, OWNED_CLASS))
        .where(batches.c.id.in_(batch_ids), batches.c.owner_id == owner_id)
    )
    found = {
        row.id: BatchClassInfo(class_id=row.class_id, class_name=row.class_name)
        for row in rows
        if row.class_id is not None
    }
    return BatchClassInfoResponse({batch_id: found.get(batch_id) for batch_id in batch_ids})
