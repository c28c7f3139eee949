"""The internal text store: content-addressed (sha256) texts for CJ, CMS, the BFF and the gateway.

A store names the teacher it is for (``X-User-ID``; CJ sends the assignment's owner), who becomes one of
the text's owners until their account is deleted. A read on a teacher's behalf is written to the access
log, one ``essay`` entry per essay of theirs holding a returned text, before the texts are returned.
"""

from __future__ import annotations

from common_core.http.access import AccessSubject
from common_core.http.content import (
    BatchGetTextsResponse,
    StoredText,
    StoreTextRequest,
    TextFileRejection,
    TextKind,
)
from content_service.domain.intake import RejectedFile
from content_service.domain.model import UNKNOWN_TEXT_OWNER, Text
from content_service.domain.text_normalisation import canonical_text, count_words, text_id
from content_service.service_layer.context import ContentContext
from content_service.service_layer.ports import ContentRepository
from content_service.service_layer.vetting import upload_limits, vet_in_thread
from content_service.service_layer.views import stored_text
from huleedu_service_libs.access_log import Accessor
from huleedu_service_libs.errors import NotFoundError, ValidationFailedError


async def store_text(ctx: ContentContext, owner_id: str | None, request: StoreTextRequest) -> tuple[StoredText, bool]:
    """Store a prompt, rubric or anchor text for ``owner_id`` (``None``: no teacher named); ``(text, created)``,
    where a repeat returns the same id.

    Only Unicode form and newlines are normalised: a rubric's indentation and spacing are the
    author's, and Windows and Unix newlines should not give one text two ids.
    """
    content = canonical_text(request.content)
    if not content:
        raise ValidationFailedError("content is empty once whitespace is removed", details={"field": "content"})
    return await _store(ctx, owner_id, text_id(content), request.kind, content, count_words(content))


async def store_text_file(
    ctx: ContentContext, owner_id: str | None, raw_name: str | None, raw: bytes, kind: TextKind
) -> tuple[StoredText, bool]:
    """Store the text of an uploaded file, vetted exactly like an essay; a 400 names the file and why not.

    The text is normalised like an essay's (it is compared with essays), not only canonicalised.
    """
    vetted = await vet_in_thread(raw_name, raw, upload_limits(ctx.settings))
    if isinstance(vetted, RejectedFile):
        rejection = TextFileRejection(filename=vetted.filename, reason=vetted.reason)
        raise ValidationFailedError(f"{vetted.filename}: {vetted.reason}", details=rejection.model_dump())
    return await _store(ctx, owner_id, vetted.text_id, kind, vetted.text, vetted.word_count)


async def _store(
    ctx: ContentContext, owner_id: str | None, address: str, kind: TextKind, content: str, words: int
) -> tuple[StoredText, bool]:
    async with ctx.unit_of_work() as uow:
        existed = bool(await uow.repo.texts_by_id([address]))
        text = await uow.repo.store_text(address, kind, content, words)
        # Unnamed, the text is kept for good: some teacher's material may use it, and no deletion can tell.
        await uow.repo.add_text_owner(address, owner_id or UNKNOWN_TEXT_OWNER)
    return stored_text(text), not existed


async def get_text(ctx: ContentContext, accessor: Accessor, address: str) -> StoredText:
    """``accessor.user_id`` is the teacher the caller reads for, or ``None`` for a service's own lookup."""
    text = (await _read(ctx, accessor, [address])).get(address)
    if text is None:
        raise NotFoundError("Text not found", details={"text_id": address})
    return stored_text(text)


async def get_texts(ctx: ContentContext, accessor: Accessor, addresses: list[str]) -> BatchGetTextsResponse:
    wanted = list(dict.fromkeys(addresses))
    found = await _read(ctx, accessor, wanted)
    return BatchGetTextsResponse(
        texts={address: stored_text(text) for address, text in found.items()},
        missing=[address for address in wanted if address not in found],
    )


async def _read(ctx: ContentContext, accessor: Accessor, addresses: list[str]) -> dict[str, Text]:
    """The texts ``accessor`` may read, recorded in the access log when read for a teacher."""
    reader = accessor.user_id
    async with ctx.unit_of_work() as uow:
        found = await _readable(uow.repo, reader, addresses)
        essay_ids = await uow.repo.owned_essays_holding(reader, list(found)) if reader is not None else []
    if reader is not None:
        await ctx.access_log.record(reader, accessor, [(AccessSubject.ESSAY, str(e)) for e in essay_ids])
    return found


async def _readable(repo: ContentRepository, reader: str | None, addresses: list[str]) -> dict[str, Text]:
    # A teacher may read the essays of their own batches and nothing else: not another teacher's
    # essays, and not assignment texts (those reach teachers through CJ, which checks access).
    if reader is None:
        return await repo.texts_by_id(addresses)
    return await repo.owned_essay_texts(reader, addresses)
