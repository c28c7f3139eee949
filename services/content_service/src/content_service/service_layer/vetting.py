"""Vetting uploaded files off the event loop, with the limits from the settings.

Extraction is CPU work on untrusted input (unzipping, XML and PDF parsing): run on the event loop,
one hostile file would stall every other request and the Kafka consumer's heartbeats. Each file is
vetted in a worker thread, one at a time per request, which also bounds the memory a request uses.
"""

from __future__ import annotations

import asyncio
import time

import structlog

from content_service.config import Settings
from content_service.domain import intake
from content_service.domain.extraction import file_type_of
from content_service.domain.filenames import clean_filename
from content_service.domain.intake import AcceptedFile, RejectedFile, UploadLimits
from content_service.metrics import EXTRACTION_SECONDS

_log = structlog.get_logger(__name__)
UNREADABLE_REASON = "the file could not be read; save it again (as .docx, .pdf or .txt) and retry"


def upload_limits(settings: Settings) -> UploadLimits:
    return UploadLimits(
        max_file_bytes=settings.max_file_bytes,
        min_words=settings.min_words,
        max_words=settings.max_words,
        max_unpacked_bytes=settings.max_unpacked_bytes,
        max_pdf_pages=settings.max_pdf_pages,
    )


async def vet_in_thread(raw_name: str | None, content: bytes, limits: UploadLimits) -> AcceptedFile | RejectedFile:
    name = clean_filename(raw_name)
    started = time.perf_counter()
    try:
        return await asyncio.to_thread(intake.vet_file, raw_name, content, limits)
    except Exception:
        # Extraction turns the failures it knows into reasons; a parser bug on one strange file
        # must still not fail the rest of the upload.
        _log.exception("upload_vetting_failed", filename=name)
        return RejectedFile(name, file_type_of(name), UNREADABLE_REASON)
    finally:
        EXTRACTION_SECONDS.labels(file_type_of(name).value).observe(time.perf_counter() - started)
