"""Text out of uploaded files (.txt, .md, .docx, .pdf), or a reason a teacher understands.

Extraction never raises for a bad file: a corrupt, encrypted or image-only document becomes a
:class:`ExtractionFailure`, so one bad file never fails the others in an upload.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath, PureWindowsPath

import docx
from docx.document import Document as DocxDocument
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from content_service.domain.text_normalisation import decode_text, join_paragraphs, normalise_text


class FileType(StrEnum):
    TXT = "txt"
    MD = "md"
    DOCX = "docx"
    PDF = "pdf"
    UNSUPPORTED = "unsupported"


SUPPORTED_SUFFIXES = {".txt": FileType.TXT, ".md": FileType.MD, ".docx": FileType.DOCX, ".pdf": FileType.PDF}
UNSUPPORTED_REASON = "not a supported type: upload .txt, .md, .docx or .pdf"
# A .docx is a zip: a few megabytes can unpack to gigabytes (a "zip bomb"). Real essays unpack
# to a few megabytes at most, so anything beyond this is refused before parsing.
MAX_DOCX_UNPACKED_BYTES = 100_000_000


@dataclass(frozen=True)
class Extracted:
    text: str  # normalised


@dataclass(frozen=True)
class ExtractionFailure:
    reason: str


def clean_filename(raw: str | None) -> str:
    """The file's own name, without any client-side folders (browsers and OSes send either slash)."""
    name = PureWindowsPath(PurePosixPath(raw or "").name).name.strip()
    return name[:255] or "unnamed"


def file_type_of(filename: str) -> FileType:
    return SUPPORTED_SUFFIXES.get(PurePosixPath(filename.lower()).suffix, FileType.UNSUPPORTED)


def extract_text(filename: str, raw: bytes) -> Extracted | ExtractionFailure:
    kind = file_type_of(filename)
    if kind is FileType.UNSUPPORTED:
        return ExtractionFailure(UNSUPPORTED_REASON)
    if not raw.strip():
        return ExtractionFailure("empty file")
    if kind in (FileType.TXT, FileType.MD):
        return Extracted(normalise_text(decode_text(raw)))
    if kind is FileType.DOCX:
        return _docx(raw)
    return _pdf(raw)


def _docx(raw: bytes) -> Extracted | ExtractionFailure:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as package:
            unpacked = sum(member.file_size for member in package.infolist())
        if unpacked > MAX_DOCX_UNPACKED_BYTES:
            return ExtractionFailure("too large once unpacked: this Word document is not a plain essay")
        document = docx.Document(io.BytesIO(raw))
    except Exception:
        return ExtractionFailure("the file could not be read as a Word document (.docx); save it again and retry")
    return Extracted(normalise_text(join_paragraphs(list(_docx_paragraphs(document)))))


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


def _pdf(raw: bytes) -> Extracted | ExtractionFailure:
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            return ExtractionFailure("password-protected PDF: remove the password and upload it again")
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception:
        return ExtractionFailure("the file could not be read as a PDF; export it again and retry")
    text = normalise_text(join_paragraphs(pages))
    if not text:
        return ExtractionFailure("scanned PDF without text: export it with a text layer, or upload the .docx")
    return Extracted(text)
