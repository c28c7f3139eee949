"""Request and response bodies of the teacher routes (``/v1/...``), reached through the gateway.

Validation errors name the field: the shared error handler lists each pydantic error's location.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from common_core.fields import NonEmptyStr
from common_core.http.class_management import EMAIL_PATTERN

MAX_ASSOCIATIONS_PER_CONFIRM = 500


class _In(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Patch(_In):
    """A partial update: fields left out stay as they are; only ``_CLEARABLE`` ones may be null."""

    _CLEARABLE: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _something_to_change(self) -> _Patch:
        if not self.model_fields_set:
            raise ValueError("name at least one field to change")
        for field in sorted(self.model_fields_set - self._CLEARABLE):
            if getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null; leave it out to keep it")
        return self


class ClassCreate(_In):
    name: NonEmptyStr = Field(max_length=200)
    course_code: NonEmptyStr = Field(max_length=50)


class ClassUpdate(_Patch):
    name: NonEmptyStr | None = Field(default=None, max_length=200)
    course_code: NonEmptyStr | None = Field(default=None, max_length=50)


class StudentCreate(_In):
    first_name: NonEmptyStr = Field(max_length=100)
    last_name: NonEmptyStr = Field(max_length=100)
    email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)
    class_ids: list[UUID] = Field(default_factory=list, max_length=50)


class StudentUpdate(_Patch):
    first_name: NonEmptyStr | None = Field(default=None, max_length=100)
    last_name: NonEmptyStr | None = Field(default=None, max_length=100)
    _CLEARABLE: ClassVar[frozenset[str]] = frozenset({"email"})

    # An explicit null removes the address; leaving the field out keeps it.
    email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)


class StudentOut(BaseModel):
    student_id: UUID
    first_name: str
    last_name: str
    email: str | None
    class_ids: list[UUID]
    created_at: datetime
    updated_at: datetime


class ClassOut(BaseModel):
    class_id: UUID
    name: str
    course_code: str
    student_count: int
    created_at: datetime
    updated_at: datetime


class ClassDetail(ClassOut):
    students: list[StudentOut]


class AssociationConfirm(_In):
    essay_id: UUID
    student_id: UUID


class ConfirmAssociations(_In):
    """Confirm a suggestion (send its student) or correct it (send another one)."""

    associations: list[AssociationConfirm] = Field(min_length=1, max_length=MAX_ASSOCIATIONS_PER_CONFIRM)


class EssayAssociationOut(BaseModel):
    essay_id: UUID
    filename: str
    author_hint: str | None
    status: Literal["confirmed", "suggested", "unmatched"]
    # The teacher's choice when confirmed, else the matcher's suggestion, else null.
    student_id: UUID | None
    suggested_student_id: UUID | None
    confidence: float | None = Field(description="The suggestion's confidence, 0 to 1.")
    evidence: str | None = Field(
        description="Where the suggested name was found: author_hint, filename, opening_lines."
    )
    confirmed_at: datetime | None


class BatchAssociations(BaseModel):
    batch_id: UUID
    class_id: UUID | None
    essays: list[EssayAssociationOut]
