"""Uploading essays into a draft batch: one outcome per file, and one bad file never fails the others."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from common_core.envelope import deterministic_event_id
from common_core.events.batch import EssayUploadedV1
from common_core.http.content import FileOutcome, TextKind, UploadOutcome, UploadResult
from content_service.domain.batch_states import UPLOADABLE_STATES
from content_service.domain.extraction import file_type_of
from content_service.domain.filenames import clean_filename
from content_service.domain.intake import AcceptedFile, RejectedFile
from content_service.domain.model import Batch, Essay
from content_service.metrics import UPLOADED_FILES
from content_service.service_layer.batches import require_batch
from content_service.service_layer.context import ContentContext
from content_service.service_layer.ports import UnitOfWork
from content_service.service_layer.vetting import upload_limits, vet_in_thread
from huleedu_service_libs.errors import ConflictError, ValidationFailedError


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content: bytes


async def upload_essays(
    ctx: ContentContext, owner_id: str, batch_id: uuid.UUID, files: list[UploadedFile]
) -> UploadResult:
    if not files:
        raise ValidationFailedError(
            "Attach at least one file in the multipart field 'files'", details={"field": "files"}
        )
    settings = ctx.settings
    limits = upload_limits(settings)
    # Check ownership and state before spending time on extraction.
    async with ctx.unit_of_work() as uow:
        _check_uploadable(await require_batch(uow.repo, owner_id, batch_id))

    vetted: list[AcceptedFile | RejectedFile] = []
    for index, upload in enumerate(files):
        if index >= settings.max_files_per_upload:
            name = clean_filename(upload.filename)
            reason = f"too many files in one upload (at most {settings.max_files_per_upload}); upload it again"
            vetted.append(RejectedFile(name, file_type_of(name), reason))
            continue
        vetted.append(await vet_in_thread(upload.filename, upload.content, limits))

    async with ctx.unit_of_work() as uow:
        # Locking the batch serialises concurrent uploads, so capacity and duplicates hold.
        _check_uploadable(await require_batch(uow.repo, owner_id, batch_id, for_update=True))
        existing = {essay.text_id: essay for essay in await uow.repo.essays_of(batch_id)}
        outcomes = [await _store(ctx, uow, batch_id, item, existing) for item in vetted]

    for item, outcome in zip(vetted, outcomes, strict=True):
        UPLOADED_FILES.labels(item.file_type.value, outcome.outcome.value).inc()
    return UploadResult(
        batch_id=batch_id,
        accepted=sum(o.outcome is UploadOutcome.ACCEPTED for o in outcomes),
        rejected=sum(o.outcome is UploadOutcome.REJECTED for o in outcomes),
        duplicates=sum(o.outcome is UploadOutcome.DUPLICATE for o in outcomes),
        files=outcomes,
    )


def _check_uploadable(batch: Batch) -> None:
    if batch.status not in UPLOADABLE_STATES:
        raise ConflictError(
            f"Essays can only be added to a draft batch; this one is {batch.status.value}",
            details={"batch_id": str(batch.batch_id), "status": batch.status.value},
        )


async def _store(
    ctx: ContentContext,
    uow: UnitOfWork,
    batch_id: uuid.UUID,
    item: AcceptedFile | RejectedFile,
    existing: dict[str, Essay],
) -> FileOutcome:
    """Store one vetted file; ``existing`` (text id -> essay) grows with each accepted essay."""
    if isinstance(item, RejectedFile):
        return FileOutcome(filename=item.filename, outcome=UploadOutcome.REJECTED, reason=item.reason)
    twin = existing.get(item.text_id)
    if twin is not None:
        return FileOutcome(
            filename=item.filename,
            outcome=UploadOutcome.DUPLICATE,
            essay_id=twin.essay_id,
            word_count=item.word_count,
            author_hint=item.author_hint,
            reason=f"same text as {twin.filename}, which is already in the batch",
        )
    if len(existing) >= ctx.settings.max_essays_per_batch:
        return FileOutcome(
            filename=item.filename,
            outcome=UploadOutcome.REJECTED,
            reason=f"the batch is full: it holds at most {ctx.settings.max_essays_per_batch} essays",
        )
    await uow.repo.store_text(item.text_id, TextKind.ESSAY, item.text, item.word_count)
    essay = await uow.repo.insert_essay(
        essay_id=uuid.uuid4(),
        batch_id=batch_id,
        filename=item.filename,
        text_id=item.text_id,
        word_count=item.word_count,
        author_hint=item.author_hint,
    )
    existing[item.text_id] = essay
    event = EssayUploadedV1(
        batch_id=batch_id,
        essay_id=essay.essay_id,
        filename=item.filename,
        text_ref=item.text_id,
        word_count=item.word_count,
        author_hint=item.author_hint,
    )
    await uow.events.emit(event, batch_id=batch_id, event_id=deterministic_event_id("essay.uploaded", essay.essay_id))
    return FileOutcome(
        filename=item.filename,
        outcome=UploadOutcome.ACCEPTED,
        essay_id=essay.essay_id,
        word_count=item.word_count,
        author_hint=item.author_hint,
    )
