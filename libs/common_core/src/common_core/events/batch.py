"""Batch and essay events, published by content service."""

from __future__ import annotations

from uuid import UUID

from pydantic import AwareDatetime, Field

from common_core.fields import Contract, NonEmptyStr


class BatchRegisteredV1(Contract):
    """A teacher created a batch."""

    batch_id: UUID
    user_id: NonEmptyStr = Field(description="The owning teacher's user id.")
    title: NonEmptyStr = Field(max_length=200)
    course_code: NonEmptyStr = Field(max_length=50)
    class_id: UUID | None = None
    assignment_id: UUID | None = Field(default=None, description="Selects instructions, anchors and grade scale in CJ.")
    created_at: AwareDatetime


class BatchUpdatedV1(Contract):
    """The owner renamed a batch; carries the new values (the whole editable state, not a diff).

    Consumers keep the newest by ``updated_at``, so a late, older update never wins."""

    batch_id: UUID
    user_id: NonEmptyStr = Field(description="The owning teacher's user id.")
    title: NonEmptyStr = Field(max_length=200)
    course_code: NonEmptyStr | None = Field(default=None, max_length=50)
    updated_at: AwareDatetime


class BatchDeletedV1(Contract):
    """The owner deleted a batch: every service erases the batch's essays, texts and everything derived from
    them (docs/data-protection.md); a running assessment is cancelled, and no later event revives the batch."""

    batch_id: UUID
    user_id: NonEmptyStr = Field(description="The owning teacher's user id.")
    deleted_at: AwareDatetime


class EssayUploadedV1(Contract):
    """One essay was accepted into a batch."""

    batch_id: UUID
    essay_id: UUID
    filename: NonEmptyStr = Field(max_length=255)
    text_ref: NonEmptyStr = Field(description="Content service's id of the stored text (sha256).")
    word_count: int = Field(ge=0)
    author_hint: str | None = Field(default=None, description="A name guessed from the file name or first line.")
