"""Essay-to-student associations: suggested by name matching, confirmed or corrected by the teacher.

One source of truth per essay: the ``confirmed_*`` columns, written only by the teacher. The
matcher writes only the ``suggested_*`` columns, and never for an essay already confirmed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.adapters.content_client import fetch_texts
from class_management_service.adapters.tables import essays, students
from class_management_service.domain.name_matching import (
    RosterStudent,
    essay_evidence,
    opening_lines,
    suggest_student,
)
from class_management_service.metrics import ASSOCIATIONS_CONFIRMED, STUDENT_SUGGESTIONS
from class_management_service.service_layer.batches import batch_with_class, lock_batch, record_batch
from class_management_service.service_layer.context import ServiceContext
from class_management_service.service_layer.events import emit
from class_management_service.service_layer.ownership import owned_student_row
from class_management_service.service_layer.students import roster_rows
from common_core.events.batch import BatchRegisteredV1, EssayUploadedV1
from common_core.events.classes import EssayStudentAssociation, EssayStudentAssociationsConfirmedV1
from common_core.http.class_management import (
    BatchAssociations,
    BatchStudentNamesResponse,
    ConfirmAssociations,
    EssayAssociationOut,
    EssayStudentName,
)
from huleedu_service_libs.errors import ConflictError, NotFoundError

logger = structlog.stdlib.get_logger(__name__)


async def on_batch_registered(session: AsyncSession, ctx: ServiceContext, event: BatchRegisteredV1) -> None:
    """Record the batch; essays that arrived before it are matched now that its class is known."""
    await lock_batch(session, event.batch_id)
    if not await record_batch(session, event):
        return
    batch = await batch_with_class(session, event.batch_id)
    if batch is not None and batch.class_id is None and event.class_id is not None:
        logger.warning("batch_class_not_owned", batch_id=str(event.batch_id), class_id=str(event.class_id))
    if batch is not None and batch.class_id is not None:
        await _suggest_unconfirmed(session, ctx, batch.id, batch.class_id)


async def _suggest_unconfirmed(
    session: AsyncSession, ctx: ServiceContext, batch_id: uuid.UUID, class_id: uuid.UUID
) -> None:
    waiting = await session.execute(
        select(essays).where(essays.c.batch_id == batch_id, essays.c.confirmed_student_id.is_(None))
    )
    await _suggest(session, ctx, class_id, list(waiting))


async def on_essay_uploaded(session: AsyncSession, ctx: ServiceContext, event: EssayUploadedV1) -> None:
    """Keep the essay (its batch may not be known yet) and suggest its author if the class is known."""
    await lock_batch(session, event.batch_id)
    inserted = await session.execute(
        pg_insert(essays)
        .values(
            id=event.essay_id,
            batch_id=event.batch_id,
            filename=event.filename,
            text_ref=event.text_ref,
            author_hint=event.author_hint,
        )
        .on_conflict_do_nothing(index_elements=[essays.c.id])
        .returning(essays)
    )
    row = inserted.one_or_none()
    if row is None:
        return
    batch = await batch_with_class(session, event.batch_id)
    if batch is not None and batch.class_id is not None:
        await _suggest(session, ctx, batch.class_id, [row])


async def _suggest(session: AsyncSession, ctx: ServiceContext, class_id: uuid.UUID, essay_rows: Sequence[Any]) -> None:
    if not essay_rows:
        return
    roster = [RosterStudent(r.id, r.first_name, r.last_name) for r in await roster_rows(session, class_id)]
    if not roster:
        STUDENT_SUGGESTIONS.labels("no_roster").inc(len(essay_rows))
        return
    texts: dict[str, str] = {}
    if ctx.settings.read_essay_openings:
        texts = await fetch_texts(ctx.essay_texts, (e.text_ref for e in essay_rows if e.opening_text is None))
    for essay in essay_rows:
        opening = essay.opening_text
        if opening is None and essay.text_ref in texts:
            opening = opening_lines(texts[essay.text_ref], ctx.settings.essay_opening_lines)
        suggestion = suggest_student(
            roster,
            essay_evidence(essay.author_hint, essay.filename, opening),
            min_confidence=ctx.settings.match_min_confidence,
        )
        values: dict[str, Any] = {"opening_text": opening, "suggested_at": datetime.now(UTC)}
        if suggestion is None:
            STUDENT_SUGGESTIONS.labels("no_match").inc()
            values |= {"suggested_student_id": None, "suggestion_confidence": None, "suggestion_evidence": None}
        else:
            STUDENT_SUGGESTIONS.labels("suggested").inc()
            values |= {
                "suggested_student_id": suggestion.student_id,
                "suggestion_confidence": suggestion.confidence,
                "suggestion_evidence": {
                    "source": suggestion.source.value,
                    "score": suggestion.score,
                    "runner_up_score": suggestion.runner_up.score if suggestion.runner_up else None,
                },
            }
        # The guard on confirmed_student_id keeps a teacher's decision even if one lands meanwhile.
        await session.execute(
            update(essays).where(essays.c.id == essay.id, essays.c.confirmed_student_id.is_(None)).values(**values)
        )


async def _owned_batch(session: AsyncSession, owner_id: str, batch_id: uuid.UUID) -> Any:
    batch = await batch_with_class(session, batch_id)
    if batch is None or batch.owner_id != owner_id:
        raise NotFoundError(f"No batch {batch_id}")
    return batch


def _association_out(row: Any) -> EssayAssociationOut:
    evidence = row.suggestion_evidence or {}
    if row.confirmed_student_id is not None:
        status = "confirmed"
    elif row.suggested_student_id is not None:
        status = "suggested"
    else:
        status = "unmatched"
    return EssayAssociationOut(
        essay_id=row.id,
        filename=row.filename,
        author_hint=row.author_hint,
        status=status,
        student_id=row.confirmed_student_id or row.suggested_student_id,
        suggested_student_id=row.suggested_student_id,
        confidence=row.suggestion_confidence,
        evidence=evidence.get("source"),
        confirmed_at=row.confirmed_at,
    )


async def list_associations(session: AsyncSession, owner_id: str, batch_id: uuid.UUID) -> BatchAssociations:
    batch = await _owned_batch(session, owner_id, batch_id)
    rows = await session.execute(
        select(essays).where(essays.c.batch_id == batch_id).order_by(essays.c.received_at, essays.c.id)
    )
    return BatchAssociations(batch_id=batch_id, class_id=batch.class_id, essays=[_association_out(r) for r in rows])


async def rematch(session: AsyncSession, ctx: ServiceContext, owner_id: str, batch_id: uuid.UUID) -> BatchAssociations:
    """Suggest again for the unconfirmed essays, e.g. after students were added to the class."""
    batch = await _owned_batch(session, owner_id, batch_id)
    if batch.class_id is None:
        raise _no_class(batch_id)
    await _suggest_unconfirmed(session, ctx, batch_id, batch.class_id)
    return await list_associations(session, owner_id, batch_id)


def _no_class(batch_id: uuid.UUID) -> ConflictError:
    return ConflictError(
        f"Batch {batch_id} has no class, so its essays cannot be linked to students; give the batch a class first"
    )


async def confirm_associations(
    session: AsyncSession, ctx: ServiceContext, owner_id: str, batch_id: uuid.UUID, body: ConfirmAssociations
) -> BatchAssociations:
    """Confirm or correct essays' authors in one transaction, and announce them in one event."""
    batch = await _owned_batch(session, owner_id, batch_id)
    if batch.class_id is None:
        raise _no_class(batch_id)
    chosen = {item.essay_id: item.student_id for item in body.associations}
    known = set(
        (await session.execute(select(essays.c.id).where(essays.c.batch_id == batch_id, essays.c.id.in_(chosen))))
        .scalars()
        .all()
    )
    unknown = sorted(str(essay_id) for essay_id in set(chosen) - known)
    if unknown:
        raise NotFoundError(f"No essay {unknown[0]} in batch {batch_id}", details={"essay_ids": unknown})
    for student_id in set(chosen.values()):
        await owned_student_row(session, owner_id, student_id)
    now = datetime.now(UTC)
    for essay_id, student_id in chosen.items():
        await session.execute(
            update(essays)
            .where(essays.c.id == essay_id)
            .values(confirmed_student_id=student_id, confirmed_by=owner_id, confirmed_at=now)
        )
    await emit(
        session,
        ctx.registry,
        EssayStudentAssociationsConfirmedV1(
            batch_id=batch_id,
            class_id=batch.class_id,
            user_id=owner_id,
            associations=[
                EssayStudentAssociation(essay_id=essay_id, student_id=student_id)
                for essay_id, student_id in chosen.items()
            ],
            confirmed_at=now,
        ),
        key=str(batch_id),
    )
    ASSOCIATIONS_CONFIRMED.inc(len(chosen))
    return await list_associations(session, owner_id, batch_id)


async def student_names(session: AsyncSession, owner_id: str, batch_id: uuid.UUID) -> BatchStudentNamesResponse:
    """Confirmed authors only. A batch that is not the owner's, or not known yet (its batch.registered
    may not have arrived), is a 404 either way."""
    await _owned_batch(session, owner_id, batch_id)
    rows = await session.execute(
        select(essays.c.id, students.c.id.label("student_id"), students.c.first_name, students.c.last_name)
        .join(students, students.c.id == essays.c.confirmed_student_id)
        .where(essays.c.batch_id == batch_id)
        .order_by(students.c.last_name, students.c.first_name, essays.c.id)
    )
    return BatchStudentNamesResponse(
        batch_id=batch_id,
        students=[
            EssayStudentName(essay_id=r.id, student_id=r.student_id, first_name=r.first_name, last_name=r.last_name)
            for r in rows
        ],
    )
