"""The service's one MetaData: accounts, classes, students, batch links, essays and associations,
the ids of erased batches, and the access log of the teachers' data.

Owners are the gateway's ``X-User-ID`` strings (a teacher id), kept as text without a foreign
key: a class may be created for any authenticated user the gateway vouches for.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from huleedu_service_libs.access_log import access_log_table
from huleedu_service_libs.idempotency import processed_events_table
from huleedu_service_libs.outbox import outbox_table

metadata = MetaData()
outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
# Who read or exported which of a teacher's students and batches (huleedu_service_libs.access_log).
access_log = access_log_table(metadata)


def _timestamps() -> list[Column[object]]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]


teachers = Table(
    "teachers",
    metadata,
    Column("id", Uuid(as_uuid=True), primary_key=True),
    # Stored lower-cased, so the unique index is case-insensitive.
    Column("email", Text, nullable=False, unique=True),
    Column("display_name", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("locale", Text, nullable=False, server_default="sv-SE"),
    *_timestamps(),
)

classes = Table(
    "classes",
    metadata,
    Column("id", Uuid(as_uuid=True), primary_key=True),
    Column("owner_id", Text, nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("course_code", Text, nullable=False),
    *_timestamps(),
)

students = Table(
    "students",
    metadata,
    Column("id", Uuid(as_uuid=True), primary_key=True),
    Column("owner_id", Text, nullable=False, index=True),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("email", Text, nullable=True),
    *_timestamps(),
)

class_students = Table(
    "class_students",
    metadata,
    Column("class_id", Uuid(as_uuid=True), ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True),
    Column("student_id", Uuid(as_uuid=True), ForeignKey("students.id", ondelete="CASCADE"), primary_key=True),
    Column("added_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_class_students_student_id", "student_id"),
)

# What batch.registered told us. class_id is the producer's claim; readers join it with
# classes on the same owner, so a batch can never borrow another teacher's class.
batches = Table(
    "batches",
    metadata,
    Column("id", Uuid(as_uuid=True), primary_key=True),
    Column("owner_id", Text, nullable=False),
    Column("class_id", Uuid(as_uuid=True), nullable=True),
    Column("registered_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # A teacher's batches, newest first (the unconfirmed-matches list).
    Index("ix_batches_owner_id_registered_at", "owner_id", "registered_at"),
)

# One row per uploaded essay, kept whether or not its batch is known yet (essay.uploaded can
# overtake batch.registered). The suggestion columns are the matcher's; the confirmed ones are
# the teacher's and the only source of truth for the association: matching never writes them.
essays = Table(
    "essays",
    metadata,
    Column("id", Uuid(as_uuid=True), primary_key=True),
    Column("batch_id", Uuid(as_uuid=True), nullable=False, index=True),
    Column("filename", Text, nullable=False),
    Column("text_ref", Text, nullable=False),
    Column("author_hint", Text, nullable=True),
    Column("opening_text", Text, nullable=True),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("suggested_student_id", Uuid(as_uuid=True), ForeignKey("students.id", ondelete="SET NULL"), nullable=True),
    Column("suggestion_confidence", Float, nullable=True),
    Column("suggestion_evidence", JSONB, nullable=True),
    Column("suggested_at", DateTime(timezone=True), nullable=True),
    Column("confirmed_student_id", Uuid(as_uuid=True), ForeignKey("students.id", ondelete="SET NULL"), nullable=True),
    Column("confirmed_by", Text, nullable=True),
    Column("confirmed_at", DateTime(timezone=True), nullable=True),
    CheckConstraint(
        "suggestion_confidence IS NULL OR (suggestion_confidence >= 0 AND suggestion_confidence <= 1)",
        name="ck_essays_confidence_0_1",
    ),
)

# The batches the teacher deleted (batch.deleted): their essays, suggestions, confirmations and class
# link are gone, and this id alone stays, so a late batch.registered or essay.uploaded stores nothing.
# No owner, no class, nothing about a student: the tombstone is not personal data.
erased_batches = Table(
    "erased_batches",
    metadata,
    Column("batch_id", Uuid(as_uuid=True), primary_key=True),
    Column("erased_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
