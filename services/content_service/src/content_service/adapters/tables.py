"""Content service's schema: one MetaData with its tables, the outbox and the processed-events guard.

Texts are content-addressed: ``text_id`` is the sha256 of the normalised text, so storing the
same text twice is one row. Essays point at texts; a batch owns its essays and assessment
requests (cascade), and deleting a batch deletes the essay texts nothing else references.
A text stored through the internal store (an assignment's instructions, prompt, rubric, anchors) has one
``text_owners`` row per teacher who stored it: those rows are its references, and the last owner's
account deletion takes the text with it. ``access_log`` records who read which batch or essay (issue 23).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)

from common_core.http.content import TextKind
from common_core.status import BatchStatus
from huleedu_service_libs.access_log import access_log_table
from huleedu_service_libs.idempotency import processed_events_table
from huleedu_service_libs.outbox import outbox_table

metadata = MetaData()


def _one_of(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


texts = Table(
    "texts",
    metadata,
    Column("text_id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("word_count", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("text_id ~ '^[0-9a-f]{64}$'", name="ck_texts_text_id_sha256"),
    CheckConstraint(_one_of("kind", [k.value for k in TextKind]), name="ck_texts_kind"),
)

text_owners = Table(
    "text_owners",
    metadata,
    Column("text_id", Text, ForeignKey("texts.text_id", ondelete="CASCADE"), primary_key=True),
    Column("owner_id", Text, primary_key=True),
    Index("ix_text_owners_owner", "owner_id"),
)

batches = Table(
    "batches",
    metadata,
    Column("batch_id", Uuid, primary_key=True),
    Column("owner_id", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("course_code", Text, nullable=False),
    Column("class_id", Uuid, nullable=True),
    Column("assignment_id", Uuid, nullable=True),
    Column("status", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Set when the retention policy erased the batch's essays and texts but kept the batch (aggregates).
    Column("texts_purged_at", DateTime(timezone=True), nullable=True),
    CheckConstraint(_one_of("status", [s.value for s in BatchStatus]), name="ck_batches_status"),
    Index("ix_batches_owner_created", "owner_id", "created_at"),
)

essays = Table(
    "essays",
    metadata,
    Column("essay_id", Uuid, primary_key=True),
    # Upload order, stable even when several essays share a timestamp.
    Column("seq", BigInteger, Identity(), nullable=False),
    Column("batch_id", Uuid, ForeignKey("batches.batch_id", ondelete="CASCADE"), nullable=False),
    Column("filename", Text, nullable=False),
    Column("text_id", Text, ForeignKey("texts.text_id"), nullable=False),
    Column("word_count", Integer, nullable=False),
    Column("author_hint", Text, nullable=True),
    Column("uploaded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The same normalised text twice in one batch is a duplicate, whichever request it came in.
    UniqueConstraint("batch_id", "text_id", name="uq_essays_batch_text"),
    Index("ix_essays_batch_seq", "batch_id", "seq"),
    Index("ix_essays_text_id", "text_id"),
)

assessment_requests = Table(
    "assessment_requests",
    metadata,
    Column("request_id", Uuid, primary_key=True),
    Column("batch_id", Uuid, ForeignKey("batches.batch_id", ondelete="CASCADE"), nullable=False),
    Column("idempotency_key", Text, nullable=True),
    # sha256 of the request's settings: a reused Idempotency-Key with other settings is refused.
    # Nullable only because requests stored before migration 0002 have none.
    Column("request_fingerprint", Text, nullable=True),
    Column("essay_count", Integer, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("batch_id", "idempotency_key", name="uq_assessment_requests_batch_key"),
    Index("ix_assessment_requests_batch_requested", "batch_id", "requested_at"),
)

access_log = access_log_table(metadata)
outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
