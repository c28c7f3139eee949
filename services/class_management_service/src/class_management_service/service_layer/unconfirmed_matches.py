"""The teacher's batches whose essays still wait for a confirmed author: the dashboard's "needs action".

"Unconfirmed" is an essay without a confirmed student (the teacher's decision, the only source
of truth); among those, the ones with a suggested student wait for a yes, the others for a
choice. Only batches whose class is their owner's are listed: without a class nothing can be
confirmed (confirm answers 409), so there is no action to take.
"""

from __future__ import annotations

from class_management_service.service_layer.ports import UnitOfWork
from common_core.http.class_management import BatchUnconfirmedMatches, UnconfirmedMatchesPage


async def unconfirmed_matches(uow: UnitOfWork, owner_id: str, limit: int, offset: int) -> UnconfirmedMatchesPage:
    """Newest first (when CMS recorded the batch), so a page never repeats another's batches."""
    page, total = await uow.associations.pending_batches(owner_id, limit, offset)
    items = [
        BatchUnconfirmedMatches(
            batch_id=batch.batch_id,
            class_id=batch.class_id,
            class_name=batch.class_name,
            suggested=batch.suggested,
            unmatched=batch.unmatched,
        )
        for batch in page
    ]
    return UnconfirmedMatchesPage(items=items, total=total, limit=limit, offset=offset)
