"""Text out of uploaded files (.txt, .md, .docx, .pdf), or a reason a teacher understands.

Extraction never raises for a bad file: a corrupt, encrypted, image-only or hostile document
becomes an :class:`ExtractionFailure`, so one bad file never fails the others in an upload. The
work is bounded by :class:`ExtractionLimits` (unpacked bytes, PDF pages, characters) and is CPU
work: callers run it in a worker thread, never on the event loop.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath

import docx
from docx.document import Document as DocxDocument
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError

from content_service.domain.docx_package import TooLargeUnpackedError, bounded_package
from content_service.domain.not_text import NOT_TEXT_REASON, has_binary_signature, is_garbled
from content_service.domain.text_normalisation import decode_text, join_paragraphs, normalise_text


class FileType(StrEnum):
    TXT = "txt"
    MD = "md"
    DOCX = "docx"
    PDF = "pdf"
    UNSUPPORTED = "unsupported"


SUPPORTED_SUFFIXES = {".txt": FileType.TXT, ".md": FileType.MD, ".docx": FileType.DOCX, ".pdf": FileType.PDF}
UNSUPPORTED_REASON = "not a supported type: upload .txt, .md, .docx or .pdf"
TOO_LARGE_UNPACKED_REASON = "too large once unpacked: this document holds far more than an essay"
DOCX_UNREADABLE_REASON = "the file could not be read as a Word document (.docx); save it again and retry"
PDF_UNREADABLE_REASON = "the file could not be read as a PDF; export it again and retry"
PDF_GARBLED_REASON = "the PDF's text layer is garbled (no usable fonts): export it again, or upload the .docx"
# A 3,000-word essay is about 20,000 characters; 30 per word leaves room for long words, spacing and
# headings, and still stops a file of 90,000 characters of anything before it is normalised.
CHARS_PER_WORD_CAP = 30
# The XML of a 3,000-word essay is well under 1 MB even with heavy formatting and tracked
# changes; images are skipped and do not count.
DEFAULT_MAX_UNPACKED_BYTES = 8_000_000
# A 3,000-word essay fills about 10 pages; 50 allows a title page, big fonts and appendices.
DEFAULT_MAX_PDF_PAGES = 50


@dataclass(frozen=True)
class ExtractionLimits:
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES
    max_pdf_pages: int = DEFAULT_MAX_PDF_PAGES
    max_words: int = 3000

    @property
    def max_text_chars(self) -> int:
        return self.max_words * CHARS_PER_WORD_CAP

    def too_long_reason(self) -> str:
        return f"too long: far more text than {self.max_words} words"


DEFAULT_LIMITS = ExtractionLimits()


@dataclass(frozen=True)
class Extracted:
    text: str  # normalised


@dataclass(frozen=True)
class ExtractionFailure:
    reason: str


def file_type_of(filename: str) -> FileType:
    return SUPPORTED_SUFFIXES.get(PurePosixPath(filename.lower()).suffix, FileType.UNSUPPORTED)


def extract_text(filename: str, raw: bytes, limits: ExtractionLimits = DEFAULT_LIMITS) -> Extracted | ExtractionFailure:
    kind = file_type_of(filename)
    if kind is FileType.UNSUPPORTED:
        return ExtractionFailure(UNSUPPORTED_REASON)
    if not raw.strip():
        return ExtractionFailure("empty file")
    if kind in (FileType.TXT, FileType.MD):
        return _plain_text(raw, limits)
    if kind is FileType.DOCX:
        return _docx(raw, limits)
    return _pdf(raw, limits)


def _plain_text(raw: bytes, limits: ExtractionLimits) -> Extracted | ExtractionFailure:
    if has_binary_signature(raw):
        return ExtractionFailure(NOT_TEXT_REASON)
    text = decode_text(raw)
    if is_garbled(text):
        return ExtractionFailure(NOT_TEXT_REASON)
    if len(text) > limits.max_text_chars:
        return ExtractionFailure(limits.too_long_reason())
    return Extracted(normalise_text(text))


def _docx(raw: bytes, limits: ExtractionLimits) -> Extracted | ExtractionFailure:
    try:
        document = docx.Document(bounded_package(raw, limits.max_unpacked_bytes))
        paragraphs = list(_docx_paragraphs(document))
    except TooLargeUnpackedError:
        return ExtractionFailure(TOO_LARGE_UNPACKED_REASON)
    except Exception:  # TooManyPartsError, a broken zip, or XML python-docx cannot make sense of
        return ExtractionFailure(DOCX_UNREADABLE_REASON)
    text = join_paragraphs(paragraphs)
    if len(text) > limits.max_text_chars:
        return ExtractionFailure(limits.too_long_reason())
    # XML cannot carry NUL or most control characters, so a garbled .docx is rare: checked all the same.
    if is_garbled(text):
        return ExtractionFailure(NOT_TEXT_REASON)
    return Extracted(normalise_text(text))


def _docx_paragraphs(document: DocxDocument) -> Iterator[str]:
    """Body paragraphs and table cells in document order (essays often sit in a header table)."""
    for block in document.iter_inner_content():
        yield from _block_paragraphs(block)


def _block_paragraphs(block: Paragraph | Table) -> Iterator[str]:
    if isinstance(block, Paragraph):
        yield block.text
        return
    for row in block.rows:
        seen: set[int] = set()
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans; read it once.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            yield from _cell_paragraphs(cell)


def _cell_paragraphs(cell: _Cell) -> Iterator[str]:
    for inner in cell.iter_inner_content():
        yield from _block_paragraphs(inner)


def _pdf(raw: bytes, limits: ExtractionLimits) -> Extracted | ExtractionFailure:
    # pypdf's own decompression caps default to 75 MB per stream; an essay's page needs kilobytes.
    cap = limits.max_unpacked_bytes
    try:
        with apply_configuration(
            zlib_maximum_output_length=cap,
            lzw_maximum_output_length=cap,
            run_length_maximum_output_length=cap,
            array_based_stream_maximum_output_length=cap,
            brotli_maximum_output_length=cap,
            jbig2_maximum_output_length=cap,
            image_maximum_buffer_size=cap,
            stream_decoding_work_maximum_length=cap,
        ):
            return _pdf_text(PdfReader(io.BytesIO(raw)), limits)
    except LimitReachedError:
        return ExtractionFailure(TOO_LARGE_UNPACKED_REASON)
    except Exception:
        return ExtractionFailure(PDF_UNREADABLE_REASON)


def _pdf_text(reader: PdfReader, limits: ExtractionLimits) -> Extracted | ExtractionFailure:
    if reader.is_encrypted and not reader.decrypt(""):
        return ExtractionFailure("password-protected PDF: remove the password and upload it again")
    pages = len(reader.pages)
    if pages > limits.max_pdf_pages:
        return ExtractionFailure(f"too many pages: {pages} (at most {limits.max_pdf_pages})")
    texts: list[str] = []
    chars = 0
    for page in reader.pages:
        texts.append(page.extract_text() or "")
        chars += len(texts[-1])
        if chars > limits.max_text_chars:
            return ExtractionFailure(limits.too_long_reason())
    text = join_paragraphs(texts)
    if is_garbled(text):
        return ExtractionFailure(PDF_GARBLED_REASON)
    text = normalise_text(text)
    if not text:
        return ExtractionFailure("scanned PDF without text: export it with a text layer, or upload the .docx")
    return Extracted(text)
