"""Dead-letter routing: which failures go to ``<topic>.dlq``, and what a dead letter carries.

A dead letter is the original record (key, value and headers, byte for byte) plus ``dlq_*``
headers that say what went wrong and where the record came from, so it can be inspected and
replayed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal, TypeVar

from pydantic import BaseModel, ValidationError

from common_core.envelope import EventEnvelope
from common_core.topics import DLQ_SUFFIX
from huleedu_service_libs.errors import is_retryable

M = TypeVar("M", bound=BaseModel)

FailureKind = Literal["retryable", "permanent", "poison"]
PoisonReason = Literal["unparseable", "invalid_payload", "wrong_event_type"]

DLQ_HEADER_PREFIX = "dlq_"
MAX_ERROR_CHARS = 1000


class PoisonRecordError(Exception):
    """The record itself can never be handled, however often it is retried."""

    def __init__(self, reason: PoisonReason, message: str) -> None:
        super().__init__(message)
        self.reason: PoisonReason = reason


def parse_envelope(envelope_model: type[EventEnvelope[M]], topic: str, value: bytes | None) -> EventEnvelope[M]:
    """The record's envelope, or :class:`PoisonRecordError` saying why there is none."""
    if value is None:
        raise PoisonRecordError("unparseable", "the record has no value")
    try:
        envelope = envelope_model.model_validate_json(value)
    except ValidationError as exc:
        reason: PoisonReason = "invalid_payload" if _only_payload_errors(exc) else "unparseable"
        raise PoisonRecordError(reason, str(exc)) from exc
    if envelope.event_type != topic:
        raise PoisonRecordError(
            "wrong_event_type", f"event_type {envelope.event_type!r} does not belong on topic {topic!r}"
        )
    return envelope


def _only_payload_errors(exc: ValidationError) -> bool:
    """Whether the envelope is sound and only ``data`` is invalid (a producer/consumer schema mismatch)."""
    return all(error["loc"][:1] == ("data",) for error in exc.errors())


def failure_kind(exc: BaseException) -> FailureKind:
    """``retryable`` failures are retried in place; ``permanent`` and ``poison`` ones are dead-lettered."""
    if isinstance(exc, PoisonRecordError):
        return "poison"
    return "retryable" if is_retryable(exc) else "permanent"


def dead_letter_topic(topic: str) -> str:
    return f"{topic}{DLQ_SUFFIX}"


def loggable(error: BaseException) -> str:
    """``error`` for a log line without the record's values: a payload that failed validation names only
    where and why (pydantic's message quotes the input, which may be a student's name or text)."""
    cause = error.__cause__ if isinstance(error, PoisonRecordError) else error
    if isinstance(cause, ValidationError):
        problems = sorted({f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['type']}" for e in cause.errors()})
        return f"ValidationError: {cause.error_count()} problem(s): {'; '.join(problems)}"[:MAX_ERROR_CHARS]
    if isinstance(error, PoisonRecordError):
        return f"PoisonRecordError({error.reason}): {type(cause).__name__}"
    return repr(error)[:MAX_ERROR_CHARS]


def dead_letter_headers(
    original: Iterable[tuple[str, bytes | None]],
    error: BaseException,
    *,
    topic: str,
    partition: int,
    offset: int,
    consumer: str,
    failed_at: datetime,
) -> list[tuple[str, bytes]]:
    """The original headers (minus any earlier ``dlq_*`` ones) followed by this failure's."""
    if isinstance(error, PoisonRecordError):
        reason: str = error.reason
        error_type = type(error.__cause__ or error).__name__
    else:
        reason = "handler_error"
        error_type = type(error).__name__
    message = f"{error_type}: {error}"
    if len(message) > MAX_ERROR_CHARS:
        message = message[: MAX_ERROR_CHARS - 3] + "..."
    added = {
        "dlq_reason": reason,
        "dlq_error": message,
        "dlq_error_type": error_type,
        "dlq_source_topic": topic,
        "dlq_source_partition": str(partition),
        "dlq_source_offset": str(offset),
        "dlq_consumer": consumer,
        "dlq_failed_at": failed_at.isoformat(),
    }
    kept = [(name, value or b"") for name, value in original if not name.startswith(DLQ_HEADER_PREFIX)]
    return kept + [(name, text.encode("utf-8")) for name, text in added.items()]
