"""The teacher's batches whose essays still wait for a confirmed author: the dashboard's "needs action".

A read view straight from the tables. "Unconfirmed" is an essay without ``confirmed_student_id``
(the teacher's decision, the only source of truth); among those, the ones with a
``suggested_student_id`` wait for a yes, the others for a choice. Only batches whose class is their
owner's are listed: without a class nothing can be confirmed (confirm answers 409), so there is
no action to take.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.adapters.tables import batches, classes, essays
from class_management_service.service_layer.batches import OWNED_CLASS
from common_core.http.class_management import BatchUnconfirmedMatches, UnconfirmedMatchesPage

_UNCONFIRMED = and_(essays.c.batch_id == batches.c.id, essays.c.confirmed_student_id.is_(None))


def _pending(owner_id: str) -> Select[tuple[object, ...]]:
    has_suggestion = essays.c.suggested_student_id.is_not(None)
    return (
        select(
            batches.c.id,
            batches.c.registered_at,
            classes.c.id.label("class_id"),
            classes.c.name.label("class_name"),
            func.count().filter(has_suggestion).label("suggested"),
            func.count().filter(~has_suggestion).label("unmatched"),
        )
        .select_from(batches.join(classes, OWNED_CLASS).join(essays, _UNCONFIRMED))
        .where(batches.c.owner_id == owner_id)
        .group_by(batches.c.id, classes.c.id)
    )


async def unconfirmed_matches(session: AsyncSession, owner_id: str, limit: int, offset: int) -> UnconfirmedMatchesPage:
    """Newest first (when CMS recorded the batch), the id breaking ties so that pages never overlap."""
    pending = _pending(owner_id).subquery()
    total = (await session.execute(select(func.count()).select_from(pending))).scalar_one()
    rows = await session.execute(
        select(pending).order_by(pending.c.registered_at.desc(), pending.c.id.desc()).limit(limit).offset(offset)
    )
    return UnconfirmedMatchesPage(
        items=[
            BatchUnconfirmedMatches(
                batch_id=row.id,
                class_id=row.class_id,
                class_name=row.class_name,
                suggested=row.suggested,
                unmatched=row.unmatched,
            )
            for row in rows
        ],
        total=total,
        limit=limit,
        offset=offset,
    )
