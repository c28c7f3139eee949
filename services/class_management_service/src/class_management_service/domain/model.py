"""What the service keeps, as plain values: teachers, classes, students, batches and their essays.

The repositories (``adapters/``) read and write these; the use cases (``service_layer/``) turn
them into the HTTP models and events. Nothing here knows about a database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Teacher:
    teacher_id: uuid.UUID
    email: str  # lower-cased
    display_name: str
    password_hash: str
    locale: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SchoolClass:
    class_id: uuid.UUID
    owner_id: str
    name: str
    course_code: str
    student_count: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Student:
    student_id: uuid.UUID
    owner_id: str
    first_name: str
    last_name: str
    email: str | None
    class_ids: tuple[uuid.UUID, ...]  # in id order
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewStudent:
    """A student as the teacher enters them; the repository adds the id, the owner and the times."""

    first_name: str
    last_name: str
    email: str | None
    class_ids: tuple[uuid.UUID, ...]  # the classes to place them in, each once


@dataclass(frozen=True, slots=True)
class Batch:
    """What batch.registered told us; the class only when it is the batch owner's own class.

    A producer may name another teacher's class; the batch then counts as one without a class,
    so it can never expose or match against that class.
    """

    batch_id: uuid.UUID
    owner_id: str
    class_id: uuid.UUID | None
    class_name: str | None


@dataclass(frozen=True, slots=True)
class Essay:
    """An uploaded essay; the ``suggested_*`` fields are the matcher's, the ``confirmed_*`` ones the teacher's."""

    essay_id: uuid.UUID
    batch_id: uuid.UUID
    filename: str
    text_ref: str
    author_hint: str | None
    opening_text: str | None
    received_at: datetime
    suggested_student_id: uuid.UUID | None
    suggestion_confidence: float | None
    suggestion_evidence: dict[str, Any] | None
    confirmed_student_id: uuid.UUID | None
    confirmed_at: datetime | None


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    """What matching concluded for one essay: a suggested student, or none (all three fields empty)."""

    opening_text: str | None
    student_id: uuid.UUID | None
    confidence: float | None
    evidence: dict[str, Any] | None
    suggested_at: datetime

    def essay_fields(self) -> dict[str, Any]:
        """The suggestion as the essay's fields (``Essay``'s names, which the essays table shares)."""
        return {
            "opening_text": self.opening_text,
            "suggested_student_id": self.student_id,
            "suggestion_confidence": self.confidence,
            "suggestion_evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class ConfirmedAuthor:
    essay_id: uuid.UUID
    student_id: uuid.UUID
    first_name: str
    last_name: str


@dataclass(frozen=True, slots=True)
class PendingBatch:
    """A batch with a class whose essays wait for a confirmed author: ``suggested`` wait for a yes."""

    batch_id: uuid.UUID
    class_id: uuid.UUID
    class_name: str
    suggested: int
    unmatched: int


@dataclass(frozen=True, slots=True)
class OwnedRecords:
    """What deleting a teacher's classes and students removed: their ids key the events written about them."""

    class_ids: tuple[uuid.UUID, ...]
    student_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True, slots=True)
class LockState:
    """Whether failed sign-ins have locked an account, and for how many more seconds."""

    locked: bool
    retry_after_s: int
