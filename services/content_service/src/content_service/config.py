"""Content service settings (env prefix ``CONTENT_SERVICE_``; shared ones in ``ServiceSettings``).

Every setting has a dev-mode default and a line in ``env.example``:

- ``CONTENT_SERVICE_DATABASE_URL``: the service's own database (inherited field).
- ``CONTENT_SERVICE_HTTP_HOST`` / ``CONTENT_SERVICE_HTTP_PORT``: where ``serve`` listens (port 8002).
- ``CONTENT_SERVICE_SHUTDOWN_GRACE_SECONDS``: how long ``serve`` lets work finish on SIGTERM (inherited).
- ``CONTENT_SERVICE_MAX_FILE_BYTES``: the size limit of one uploaded file.
- ``CONTENT_SERVICE_MAX_FILES_PER_UPLOAD``: how many files one upload request may carry.
- ``CONTENT_SERVICE_MAX_UPLOAD_BYTES``: the size limit of a whole upload request (413 beyond).
- ``CONTENT_SERVICE_MAX_ESSAYS_PER_BATCH``: how many essays one batch may hold.
- ``CONTENT_SERVICE_MIN_WORDS`` / ``CONTENT_SERVICE_MAX_WORDS``: the word range of an essay.
- ``CONTENT_SERVICE_MAX_UNPACKED_BYTES``: how much the XML of a .docx (and each PDF stream) may unpack to.
- ``CONTENT_SERVICE_MAX_PDF_PAGES``: the most pages a PDF essay may have.
- ``CONTENT_SERVICE_WORKER_RESTART_BASE_SECONDS`` / ``CONTENT_SERVICE_WORKER_RESTART_MAX_SECONDS``: the
  backoff before a crashed consumer or outbox relay is started again (doubling up to the max).
- ``CONTENT_SERVICE_CLASS_MANAGEMENT_SERVICE_URL`` / ``CONTENT_SERVICE_CJ_ASSESSMENT_SERVICE_URL``: the
  peers asked whether a batch may name a class / an assignment (dev defaults: the local dev stack).
- ``CONTENT_SERVICE_PEER_TIMEOUT_S``: the read timeout of those lookups (a teacher is waiting).
- ``CONTENT_SERVICE_ESTIMATE_TIMEOUT_S``: the read timeout of CJ's estimate (it simulates the run).
"""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from common_core.http.content import MAX_FILES_PER_UPLOAD
from content_service.domain.extraction import DEFAULT_MAX_PDF_PAGES, DEFAULT_MAX_UNPACKED_BYTES
from huleedu_service_libs.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONTENT_SERVICE_", extra="ignore")

    service_name: str = "content_service"
    http_port: int = Field(default=8002, ge=1, le=65535)
    max_file_bytes: int = Field(default=5_000_000, ge=1, description="Largest accepted file, in bytes.")
    max_files_per_upload: int = Field(
        default=MAX_FILES_PER_UPLOAD, ge=1, description="Files beyond this in one request are rejected."
    )
    max_upload_bytes: int = Field(
        default=100_000_000, ge=1, description="Largest upload request; a bigger body is refused with 413."
    )
    max_essays_per_batch: int = Field(default=5000, ge=2, description="Essays one batch may hold.")
    min_words: int = Field(default=20, ge=1, description="Fewer words than this: rejected as too short.")
    max_words: int = Field(default=3000, ge=1, description="More words than this: rejected as too long.")
    max_unpacked_bytes: int = Field(
        default=DEFAULT_MAX_UNPACKED_BYTES,
        ge=100_000,
        description="Most bytes a .docx's XML parts (images skipped) or one PDF stream may unpack to.",
    )
    max_pdf_pages: int = Field(default=DEFAULT_MAX_PDF_PAGES, ge=1, description="A PDF with more pages is rejected.")
    class_management_service_url: str = Field(
        default="http://127.0.0.1:8003", description="Asked whether a batch's class is the teacher's."
    )
    cj_assessment_service_url: str = Field(
        default="http://127.0.0.1:8004", description="Asked whether the teacher may use a batch's assignment."
    )
    peer_timeout_s: float = Field(default=5.0, gt=0, description="Read timeout of the class and assignment lookups.")
    estimate_timeout_s: float = Field(
        default=60.0,
        gt=0,
        description="Read timeout of CJ's estimate: a batch size it has not seen before is simulated first.",
    )
    worker_restart_base_seconds: float = Field(
        default=1.0, gt=0, description="First wait before a crashed background loop is restarted."
    )
    worker_restart_max_seconds: float = Field(
        default=60.0, gt=0, description="Longest wait between restarts of a loop that keeps crashing."
    )

    @model_validator(mode="after")
    def _ranges(self) -> Settings:
        if self.min_words > self.max_words:
            raise ValueError("CONTENT_SERVICE_MIN_WORDS must not exceed CONTENT_SERVICE_MAX_WORDS")
        if self.worker_restart_base_seconds > self.worker_restart_max_seconds:
            raise ValueError(
                "CONTENT_SERVICE_WORKER_RESTART_BASE_SECONDS must not exceed CONTENT_SERVICE_WORKER_RESTART_MAX_SECONDS"
            )
        return self
