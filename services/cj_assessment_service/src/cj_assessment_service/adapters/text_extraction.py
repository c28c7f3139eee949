"""Plain text from an uploaded anchor file: .txt, .md, .docx or .pdf."""

from __future__ import annotations

import io
from pathlib import PurePath

from huleedu_service_libs.errors import ValidationFailedError

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf")


def extract_text(filename: str, data: bytes) -> str:
    suffix = PurePath(filename).suffix.lower()
    try:
        if suffix in (".txt", ".md"):
            text = data.decode("utf-8-sig")
        elif suffix == ".docx":
            text = _docx_text(data)
        elif suffix == ".pdf":
            text = _pdf_text(data)
        else:
            raise ValidationFailedError(
                f"{filename}: unsupported file type; use one of {', '.join(SUPPORTED_SUFFIXES)}",
                details={"filename": filename},
            )
    except ValidationFailedError:
        raise
    except Exception as exc:  # a corrupt upload is the caller's problem, named by file
        raise ValidationFailedError(f"{filename}: could not read the file ({type(exc).__name__})") from exc
    text = text.strip()
    if not text:
        raise ValidationFailedError(f"{filename}: the file holds no text", details={"filename": filename})
    return text


def _docx_text(data: bytes) -> str:
    import docx  # python-docx: imported here, only uploads need it

    document = docx.Document(io.BytesIO(data))
    return "\n".join(paragraph.text for paragraph in document.paragraphs)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)
