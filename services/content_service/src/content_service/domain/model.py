"""What content service stores, as plain values: the repository returns these, the use cases read them.

They carry no behaviour and no I/O, so the service layer can be tested with an in-memory
repository (tests/fakes.py) as well as with PostgreSQL.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from common_core.http.content import TextKind
from common_core.status import BatchStatus

# The owner of a text stored without a teacher (a service storing on its own behalf, or a text stored
# before owners were recorded, migration 0004): no account deletion ever removes such a text.
UNKNOWN_TEXT_OWNER = ""


@dataclass(frozen=True)
class Batch:
    batch_id: uuid.UUID
    owner_id: str
    title: str
    course_code: str
    class_id: uuid.UUID | None
    assignment_id: uuid.UUID | None
    status: BatchStatus
    created_at: datetime
    updated_at: datetime
    texts_purged_at: datetime | None = None  # the retention policy erased its essays (docs/data-protection.md)


@dataclass(frozen=True)
class Essay:
    essay_id: uuid.UUID
    batch_id: uuid.UUID
    filename: str
    text_id: str
    word_count: int
    author_hint: str | None
    uploaded_at: datetime


@dataclass(frozen=True)
class Text:
    text_id: str
    kind: TextKind
    content: str
    word_count: int


@dataclass(frozen=True)
class AssessmentRequest:
    request_id: uuid.UUID
    batch_id: uuid.UUID
    idempotency_key: str | None
    # sha256 of the request's settings, so a reused Idempotency-Key with other settings is caught.
    # None only for requests stored before the fingerprint existed (migration 0002).
    request_fingerprint: str | None
    essay_count: int
    requested_at: datetime
