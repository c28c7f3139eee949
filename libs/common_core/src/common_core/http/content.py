"""Content service's HTTP contracts (ARCHITECTURE §1).

The internal text store: every text lives there, keyed by sha256. CJ fetches a job's essays in
one ``POST /internal/v1/texts/batch-get``, stores assignment texts (student prompt,
instructions, rubric, anchors) with ``POST /internal/v1/texts``, and sends uploaded anchor files
to ``POST /internal/v1/texts/files``, which extracts them with the essay uploads' own code.

The teacher's batch API (``/v1/batches/...``), reached through the gateway and used by the BFF:
batches, their essays, multipart uploads with one outcome per file, and starting an assessment.
"""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from common_core.events.cj_assessment import AssessmentBudget, LLMSettings
from common_core.fields import NonEmptyStr
from common_core.status import BatchStatus

Sha256Hex = str
MAX_TEXTS_PER_BATCH_GET = 500
# Files one essay upload request may carry (content's default ``max_files_per_upload``): clients
# with more files upload them in requests of at most this many.
MAX_FILES_PER_UPLOAD = 50


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


TEXT_FILE_FIELD = "file"


class StoreTextFileForm(_Strict):
    """``POST /internal/v1/texts/files`` (multipart/form-data): the form fields beside the file.

    One file in the part named ``file`` plus these fields. The text store vets the file exactly
    like an essay upload (type, size, decoding, .docx/.pdf extraction with unpacking caps, binary
    rejection, word range), stores the extracted text, and answers 201 ``StoredText`` (200 when the
    text exists), or 400 whose error ``details`` is a :class:`TextFileRejection`. CJ sends anchors here.
    """

    kind: TextKind


class TextFileRejection(_Strict):
    """The ``details`` of the 400 for a file the text store will not take: which file, and why."""

    filename: str = Field(description="The file's name as stored: without folders, control characters as U+FFFD.")
    reason: str = Field(description='Written for the teacher, e.g. "not a text file: it looks like a program".')


class BatchGetTextsRequest(_Strict):
    """``POST /internal/v1/texts/batch-get``: many texts in one call."""

    text_ids: list[Sha256Hex] = Field(min_length=1, max_length=MAX_TEXTS_PER_BATCH_GET)


class BatchGetTextsResponse(_Strict):
    """The texts found, and the ids that were not (a caller decides whether a miss is fatal)."""

    texts: dict[Sha256Hex, StoredText]
    missing: list[Sha256Hex] = Field(default_factory=list)


MAX_BATCHES_PER_PAGE = 100


class CreateBatchRequest(_Strict):
    """``POST /v1/batches``: a new batch in ``draft``; the owner is the gateway-validated user."""

    title: NonEmptyStr = Field(max_length=200)
    course_code: NonEmptyStr = Field(max_length=50)
    class_id: UUID | None = None
    assignment_id: UUID | None = Field(default=None, description="Selects instructions, anchors and grade scale in CJ.")


class RenameBatchRequest(_Strict):
    """``PATCH /v1/batches/{batch_id}``: a new title."""

    title: NonEmptyStr = Field(max_length=200)


class BatchView(_Strict):
    """One batch as its owner sees it. ``status`` is content service's state machine, unmapped."""

    batch_id: UUID
    title: str
    course_code: str
    class_id: UUID | None = None
    assignment_id: UUID | None = None
    status: BatchStatus
    essay_count: int = Field(ge=0)
    created_at: AwareDatetime
    updated_at: AwareDatetime


class BatchPage(_Strict):
    """``GET /v1/batches?limit=&offset=``: the owner's batches, newest first."""

    items: list[BatchView]
    total: int = Field(ge=0, description="All of the owner's batches, not just this page.")
    limit: int = Field(ge=1, le=MAX_BATCHES_PER_PAGE)
    offset: int = Field(ge=0)


class EssayView(_Strict):
    """One accepted essay of a batch; its text is fetched by ``text_ref`` from the text store."""

    essay_id: UUID
    filename: str
    text_ref: Sha256Hex = Field(pattern=r"^[0-9a-f]{64}$")
    word_count: int = Field(ge=0)
    author_hint: str | None = Field(default=None, description="A name guessed from the file name or first line.")
    uploaded_at: AwareDatetime


class EssayList(_Strict):
    """``GET /v1/batches/{batch_id}/essays``: every essay of the batch, in upload order."""

    batch_id: UUID
    items: list[EssayView]


class UploadOutcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


class FileOutcome(_Strict):
    """What happened to one uploaded file. ``reason`` is written for the teacher."""

    filename: str
    outcome: UploadOutcome
    essay_id: UUID | None = Field(
        default=None, description="The new essay (accepted), or the one already in the batch (duplicate)."
    )
    word_count: int | None = Field(default=None, ge=0)
    author_hint: str | None = None
    reason: str | None = Field(default=None, description='Why a file was not accepted, e.g. "empty file".')


class UploadResult(_Strict):
    """``POST /v1/batches/{batch_id}/essays`` (multipart, field ``files``): one outcome per file, in order."""

    batch_id: UUID
    accepted: int = Field(ge=0)
    rejected: int = Field(ge=0)
    duplicates: int = Field(ge=0)
    files: list[FileOutcome]


class StartAssessmentRequest(_Strict):
    """``POST /v1/batches/{batch_id}/assessments``; send an ``Idempotency-Key`` header to retry safely.

    A retry must send the same settings: the same key with other settings answers 422
    ``IDEMPOTENCY_KEY_REUSED`` (use a new key for a new assessment).
    """

    assignment_id: UUID | None = Field(default=None, description="Overrides the batch's assignment for this run.")
    language: NonEmptyStr = Field(default="en", max_length=16)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    budget: AssessmentBudget = Field(default_factory=AssessmentBudget)


class AssessmentAccepted(_Strict):
    """The assessment request that was (or, on a repeat, had already been) sent to CJ."""

    batch_id: UUID
    request_id: UUID = Field(description="One CJ job per (batch_id, request_id).")
    status: BatchStatus
    essay_count: int = Field(ge=2)
    replayed: bool = Field(description="True when this answers a repeat of an earlier request.")
    requested_at: AwareDatetime


SCHEMA_MODELS: tuple[type[BaseModel], ...] = (
    StoreTextRequest,
    StoredText,
    StoreTextFileForm,
    TextFileRejection,
    BatchGetTextsRequest,
    BatchGetTextsResponse,
    CreateBatchRequest,
    RenameBatchRequest,
    BatchView,
    BatchPage,
    EssayView,
    EssayList,
    FileOutcome,
    UploadResult,
    StartAssessmentRequest,
    AssessmentAccepted,
)
