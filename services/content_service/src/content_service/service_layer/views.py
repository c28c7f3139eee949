"""Stored records as the HTTP contract's views."""

from __future__ import annotations

from common_core.http.content import BatchView, EssayView, StoredText
from content_service.domain.model import Batch, Essay, Text


def batch_view(batch: Batch, essay_count: int) -> BatchView:
    return BatchView(
        batch_id=batch.batch_id,
        title=batch.title,
        course_code=batch.course_code,
        class_id=batch.class_id,
        assignment_id=batch.assignment_id,
        status=batch.status,
        essay_count=essay_count,
        created_at=batch.created_at,
        updated_at=batch.updated_at,
    )


def essay_view(essay: Essay) -> EssayView:
    return EssayView(
        essay_id=essay.essay_id,
        filename=essay.filename,
        text_ref=essay.text_id,
        word_count=essay.word_count,
        author_hint=essay.author_hint,
        uploaded_at=essay.uploaded_at,
    )


def stored_text(text: Text) -> StoredText:
    return StoredText(text_id=text.text_id, kind=text.kind, content=text.content, word_count=text.word_count)
