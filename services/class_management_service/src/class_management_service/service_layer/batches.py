"""The internal class-info lookup: which class each of a teacher's batches is for."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from class_management_service.service_layer.ports import UnitOfWork
from common_core.http.class_management import MAX_BATCH_IDS_PER_CLASS_INFO, BatchClassInfo, BatchClassInfoResponse
from huleedu_service_libs.errors import ValidationFailedError


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


async def class_info(uow: UnitOfWork, owner_id: str, batch_ids: Sequence[uuid.UUID]) -> BatchClassInfoResponse:
    """Another teacher's batch answers null, exactly like an unknown one (or one without a class)."""
    found = {
        batch.batch_id: BatchClassInfo(class_id=batch.class_id, class_name=batch.class_name)
        for batch in await uow.associations.owned_batches(owner_id, batch_ids)
        if batch.class_id is not None and batch.class_name is not None
    }
    return BatchClassInfoResponse({batch_id: found.get(batch_id) for batch_id in batch_ids})
