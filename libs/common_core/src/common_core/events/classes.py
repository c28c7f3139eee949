"""Class management events (``huleedu.class.*.v1``): rosters and associations, and the erasures of a
student or a teacher's account that every service carries out (docs/data-protection.md)."""

from __future__ import annotations

from uuid import UUID

from pydantic import AwareDatetime, Field

from common_core.fields import Contract, NonEmptyStr


class ClassCreatedV1(Contract):
    class_id: UUID
    user_id: NonEmptyStr = Field(description="The owning teacher.")
    name: NonEmptyStr = Field(max_length=200)
    course_code: NonEmptyStr = Field(max_length=50)
    created_at: AwareDatetime


class ClassUpdatedV1(Contract):
    class_id: UUID
    user_id: NonEmptyStr
    name: NonEmptyStr = Field(max_length=200)
    course_code: NonEmptyStr = Field(max_length=50)
    updated_at: AwareDatetime


class StudentCreatedV1(Contract):
    student_id: UUID
    user_id: NonEmptyStr = Field(description="The teacher who owns the student record.")
    class_ids: list[UUID] = Field(default_factory=list)
    first_name: NonEmptyStr = Field(max_length=100)
    last_name: NonEmptyStr = Field(max_length=100)
    created_at: AwareDatetime


class StudentUpdatedV1(Contract):
    student_id: UUID
    user_id: NonEmptyStr
    class_ids: list[UUID] = Field(default_factory=list)
    first_name: NonEmptyStr = Field(max_length=100)
    last_name: NonEmptyStr = Field(max_length=100)
    updated_at: AwareDatetime


class EssayStudentAssociation(Contract):
    essay_id: UUID
    student_id: UUID


class EssayStudentAssociationsConfirmedV1(Contract):
    batch_id: UUID
    class_id: UUID
    user_id: NonEmptyStr = Field(description="The teacher who confirmed.")
    associations: list[EssayStudentAssociation]
    confirmed_at: AwareDatetime


class ErasedEssay(Contract):
    batch_id: UUID
    essay_id: UUID


class StudentErasedV1(Contract):
    """The teacher erased a student: every service erases the texts and results of these essays, which the
    teacher had confirmed as the student's. Ids only; the student record is already gone from CMS."""

    student_id: UUID
    user_id: NonEmptyStr = Field(description="The teacher who owned the student record.")
    essays: list[ErasedEssay] = Field(default_factory=list, max_length=10_000)
    erased_at: AwareDatetime


class TeacherAccountDeletedV1(Contract):
    """A teacher deleted their account: every service erases what the account owned (its batches, their
    essays and results, its assignments and anchors, its classes and students)."""

    user_id: NonEmptyStr
    deleted_at: AwareDatetime
