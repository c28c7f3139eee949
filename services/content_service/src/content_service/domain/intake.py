"""Vetting one uploaded file: name, size, type, extraction and word range, each with a teacher-readable reason.

The one gate every uploaded text goes through: essays (``POST /v1/batches/{id}/essays``) and the
files CJ sends for anchors (``POST /internal/v1/texts/files``). Duplicates and the batch's capacity
need the database, so the upload handler checks those.
"""

from __future__ import annotations

from dataclasses import dataclass

from content_service.domain.author_hint import author_hint
from content_service.domain.extraction import (
    DEFAULT_MAX_PDF_PAGES,
    DEFAULT_MAX_UNPACKED_BYTES,
    ExtractionFailure,
    ExtractionLimits,
    FileType,
    extract_text,
    file_type_of,
)
from content_service.domain.filenames import clean_filename, filename_problem
from content_service.domain.text_normalisation import count_words, text_id


@dataclass(frozen=True)
class UploadLimits:
    max_file_bytes: int
    min_words: int
    max_words: int
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES
    max_pdf_pages: int = DEFAULT_MAX_PDF_PAGES

    @property
    def extraction(self) -> ExtractionLimits:
        return ExtractionLimits(self.max_unpacked_bytes, self.max_pdf_pages, self.max_words)


@dataclass(frozen=True)
class AcceptedFile:
    filename: str
    file_type: FileType
    text: str
    text_id: str
    word_count: int
    author_hint: str | None


@dataclass(frozen=True)
class RejectedFile:
    filename: str
    file_type: FileType
    reason: str


def vet_file(raw_name: str | None, raw: bytes, limits: UploadLimits) -> AcceptedFile | RejectedFile:
    """``raw_name`` as the client sent it; the outcome carries the cleaned name (safe to store and show)."""
    filename = clean_filename(raw_name)
    file_type = file_type_of(filename)
    bad_name = filename_problem(raw_name)
    if bad_name is not None:
        return RejectedFile(filename, file_type, bad_name)
    if len(raw) > limits.max_file_bytes:
        return RejectedFile(
            filename, file_type, f"too large: {_size(len(raw))} (at most {_size(limits.max_file_bytes)})"
        )
    extracted = extract_text(filename, raw, limits.extraction)
    if isinstance(extracted, ExtractionFailure):
        return RejectedFile(filename, file_type, extracted.reason)
    words = count_words(extracted.text)
    if words == 0:
        return RejectedFile(filename, file_type, "empty file")
    if words < limits.min_words:
        return RejectedFile(filename, file_type, f"too short: {words} words (at least {limits.min_words})")
    if words > limits.max_words:
        return RejectedFile(filename, file_type, f"too long: {words} words (at most {limits.max_words})")
    return AcceptedFile(
        filename=filename,
        file_type=file_type,
        text=extracted.text,
        text_id=text_id(extracted.text),
        word_count=words,
        author_hint=author_hint(filename, extracted.text),
    )


def _size(size: int) -> str:
    if size >= 100_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{max(1, round(size / 1000))} kB"
