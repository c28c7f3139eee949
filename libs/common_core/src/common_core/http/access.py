"""Access to personal data (issue 23): the access log and a student's data export.

**The access log.** Every service that owns personal data records who read or exported which batch,
essay or student of a teacher's, and when, in its own ``access_log`` table; the teacher reads their own:

- ``GET /internal/v1/users/{user_id}/access-log?limit&before`` on content, CMS, CJ and RAS (callers: the
  BFF; ``{user_id}`` must be ``X-User-ID``) -> :class:`AccessLogPage`, newest first;
- the BFF's ``GET /bff/v1/teacher/access-log?limit&before`` merges the four -> :class:`AccessLogView`.

A read is recorded when it is made on a teacher's behalf (``X-User-ID`` set); a caller that reads in
order to build an export says so with ``X-Access-Purpose: export``. The service-to-service reads that
carry out work the teacher started (CJ fetching a job's texts to judge them, CMS reading the first
lines of uploads to suggest authors) are processing, not access, and are not recorded.

**The student data export.** Everything the platform holds about one student: the student, their
classes, and every essay confirmed as theirs with its text, its result and the comparisons that judged
it with their justifications. The BFF composes it from the owners at
``GET /internal/v1/students/{student_id}/export``; the gateway exposes it as
``GET /v1/students/{student_id}/export``. Its JSON schema is the snapshot
``schemas/http/StudentDataExport.json``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from common_core.fields import Probability

ACCESS_PURPOSE_HEADER = "X-Access-Purpose"
MAX_ACCESS_LOG_PAGE = 200
STUDENT_EXPORT_SCHEMA_VERSION: Literal[1] = 1


class _Response(BaseModel):
    # Responses ignore unknown fields, so an owner can add one without breaking an older caller.
    model_config = ConfigDict(frozen=True, extra="ignore")


class AccessAction(StrEnum):
    READ = "read"
    EXPORT = "export"


class AccessSubject(StrEnum):
    BATCH = "batch"
    ESSAY = "essay"
    STUDENT = "student"


class AccessLogEntry(_Response):
    occurred_at: AwareDatetime
    recorded_by: str = Field(description="The service that holds the data and recorded the access.")
    actor_user_id: str | None = Field(description="The teacher the read was made for.")
    actor_service: str = Field(description="The service that made the read (the BFF, the gateway).")
    action: AccessAction
    subject_kind: AccessSubject
    subject_id: str
    correlation_id: UUID | None = None


class AccessLogPage(_Response):
    """One owner's entries for one teacher, newest first; pass the last ``occurred_at`` as ``before``."""

    entries: list[AccessLogEntry]


class AccessLogView(_Response):
    """The teacher's access log merged from every owner, newest first; ``gaps`` names owners that did not
    answer (their entries are missing from this page)."""

    entries: list[AccessLogEntry]
    gaps: list[str] = Field(default_factory=list)


class ExportedClass(_Response):
    class_id: UUID
    name: str


class ExportedStudent(_Response):
    student_id: UUID
    first_name: str
    last_name: str
    email: str | None = None
    created_at: AwareDatetime | None = None
    classes: list[ExportedClass] = Field(default_factory=list)


class ExportedResult(_Response):
    rank: int | None = None
    score: float | None = None
    standard_error: float | None = None
    grade: str | None = None
    grade_probabilities: dict[str, Probability] = Field(default_factory=dict)
    confidence: str | None = None


class ExportedComparison(_Response):
    """One judgement that involved the student's essay. The other essay is named only by its id: its
    text and its author are another student's data."""

    assessment_job_id: UUID | None = Field(default=None, description="The assessment (CJ job) that made it.")
    other_essay_id: str
    outcome: Literal["won", "lost", "error"]
    justification: str | None = None
    judged_at: AwareDatetime | None = None


class ExportedEssay(_Response):
    essay_id: UUID
    batch_id: UUID
    batch_title: str | None = None
    file_name: str | None = None
    uploaded_at: AwareDatetime | None = None
    text: str | None = Field(default=None, description="None once retention purged it.")
    result: ExportedResult | None = None
    comparisons: list[ExportedComparison] = Field(default_factory=list)


class StudentDataExport(_Response):
    schema_version: Literal[1] = STUDENT_EXPORT_SCHEMA_VERSION
    exported_at: AwareDatetime
    exported_by: str = Field(description="The teacher who asked for the export.")
    student: ExportedStudent
    essays: list[ExportedEssay]
    gaps: list[str] = Field(
        default_factory=list, description="Owners that did not answer: their part is missing from this export."
    )


SCHEMA_MODELS = (AccessLogPage, AccessLogView, StudentDataExport)
