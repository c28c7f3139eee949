"""The internal text store: content-addressed (sha256) texts for CJ, CMS, the BFF and the gateway."""

from __future__ import annotations

from common_core.http.content import (
    BatchGetTextsResponse,
    StoredText,
    StoreTextRequest,
    TextFileRejection,
    TextKind,
)
from content_service.domain.intake import RejectedFile
from content_service.domain.model import Text
from content_service.domain.text_normalisation import canonical_text, count_words, text_id
from content_service.service_layer.context import ContentContext
from content_service.service_layer.ports import ContentRepository
from content_service.service_layer.vetting import upload_limits, vet_in_thread
from content_service.service_layer.views import stored_text
from huleedu_service_libs.errors import NotFoundError, ValidationFailedError


async def store_text(ctx: ContentContext, request: StoreTextRequest) -> tuple[StoredText, bool]:
    """Store a prompt, rubric or anchor text; ``(text, created)``, where a repeat returns the same id.

    Only Unicode form and newlines are normalised: a rubric's indentation and spacing are the
    author's, and Windows and Unix newlines should not give one text two ids.
    """
    content = canonical_text(request.content)
    if not content:
        raise ValidationFailedError("content is empty once whitespace is removed", details={"field": "content"})
    return await _store(ctx, text_id(content), request.kind, content, count_words(content))


async def store_text_file(
    ctx: ContentContext, raw_name: str | None, raw: bytes, kind: TextKind
) -> tuple[StoredText, bool]:
    """Store the text of an uploaded file, vetted exactly like an essay; a 400 names the file and why not.

    The text is normalised like an essay's (it is compared with essays), not only canonicalised.
    """
    vetted = await vet_in_thread(raw_name, raw, upload_limits(ctx.settings))
    if isinstance(vetted, RejectedFile):
        rejection = TextFileRejection(filename=vetted.filename, reason=vetted.reason)
        raise ValidationFailedError(f"{vetted.filename}: {vetted.reason}", details=rejection.model_dump())
    return await _store(ctx, vetted.text_id, kind, vetted.text, vetted.word_count)


async def _store(
    ctx: ContentContext, address: str, kind: TextKind, content: str, words: int
) -> tuple[StoredText, bool]:
    async with ctx.unit_of_work() as uow:
        existed = bool(await uow.repo.texts_by_id([address]))
        text = await uow.repo.store_text(address, kind, content, words)
    return stored_text(text), not existed


async def get_text(ctx: ContentContext, reader: str | None, address: str) -> StoredText:
    """``reader`` is the teacher the caller acts for, or ``None`` for a service reading on its own behalf."""
    async with ctx.unit_of_work() as uow:
        text = (await _readable(uow.repo, reader, [address])).get(address)
    if text is None:
        raise NotFoundError("Text not found", details={"text_id": address})
    return stored_text(text)


async def get_texts(ctx: ContentContext, reader: str | None, addresses: list[str]) -> BatchGetTextsResponse:
    wanted = list(dict.fromkeys(addresses))
    async with ctx.unit_of_work() as uow:
        found = await _readable(uow.repo, reader, wanted)
    return BatchGetTextsResponse(
        texts={address: stored_text(text) for address, text in found.items()},
        missing=[address for address in wanted if address not in found],
    )


async def _readable(repo: ContentRepository, reader: str | None, addresses: list[str]) -> dict[str, Text]:
    # A teacher may read the essays of their own batches and nothing else: not another teacher's
    # essays, and not assignment texts (those reach teachers through CJ, which checks access).
    if reader is None:
        return await repo.texts_by_id(addresses)
    return await repo.owned_essay_texts(reader, addresses)
