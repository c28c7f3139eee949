"""Content service's internal text store (ARCHITECTURE §1): every text lives there, keyed by sha256.

CJ fetches a job's essays in one ``POST /internal/v1/texts/batch-get`` and stores assignment
texts (student prompt, instructions, rubric, anchors) with ``POST /internal/v1/texts``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from common_core.fields import NonEmptyStr

Sha256Hex = str
MAX_TEXTS_PER_BATCH_GET = 500


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TextKind(StrEnum):
    ESSAY = "essay"
    ANCHOR = "anchor"
    STUDENT_PROMPT = "student_prompt"
    INSTRUCTIONS = "instructions"
    RUBRIC = "rubric"


class StoreTextRequest(_Strict):
    """``POST /internal/v1/texts``: store a text; storing the same content twice returns the same id."""

    content: NonEmptyStr = Field(max_length=200_000)
    kind: TextKind


class StoredText(_Strict):
    """One stored text. ``text_id`` is the sha256 hex digest of the UTF-8 content."""

    text_id: Sha256Hex = Field(pattern=r"^[0-9a-f]{64}$")
    kind: TextKind
    content: str
    word_count: int = Field(ge=0)


class BatchGetTextsRequest(_Strict):
    """``POST /internal/v1/texts/batch-get``: many texts in one call."""

    text_ids: list[Sha256Hex] = Field(min_length=1, max_length=MAX_TEXTS_PER_BATCH_GET)


class BatchGetTextsResponse(_Strict):
    """The texts found, and the ids that were not (a caller decides whether a miss is fatal)."""

    texts: dict[Sha256Hex, StoredText]
    missing: list[Sha256Hex] = Field(default_factory=list)


SCHEMA_MODELS: tuple[type[BaseModel], ...] = (StoreTextRequest, StoredText, BatchGetTextsRequest, BatchGetTextsResponse)
