"""The event envelope every Kafka message value carries (ARCHITECTURE §3).

The value is the envelope as JSON; the key is the aggregate's id; the headers repeat
``event_id``, ``event_type`` and ``correlation_id`` so a consumer can deduplicate or route
without parsing the value.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

T = TypeVar("T", bound=BaseModel)

HEADER_EVENT_ID = "event_id"
HEADER_EVENT_TYPE = "event_type"
HEADER_CORRELATION_ID = "correlation_id"

# Namespace of deterministic event ids; fixed forever, or redelivered facts get new ids.
EVENT_ID_NAMESPACE = uuid.UUID("6f1b7c0e-3d0a-5b8e-9c39-2b7f5d9e4a11")


def deterministic_event_id(*natural_key: object, namespace: uuid.UUID = EVENT_ID_NAMESPACE) -> uuid.UUID:
    """A uuid5 over ``namespace`` and the natural key, for facts a retry could emit twice.

    ``deterministic_event_id("cj.completed", job_id)`` gives the same id on every retry, so a
    consumer's idempotency guard sees one event.
    """
    if not natural_key:
        raise ValueError("a deterministic event id needs at least one key part")
    return uuid.uuid5(namespace, "\x1f".join(str(part) for part in natural_key))


def utc_now() -> datetime:
    return datetime.now(UTC)


class EventEnvelope(BaseModel, Generic[T]):
    """One event: metadata plus a typed payload in ``data``.

    Unknown fields are ignored on parse, so a newer producer's additive fields never break an
    older consumer (additive evolution; a breaking change is a new ``…v2`` topic).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: uuid.UUID = Field(
        default_factory=uuid.uuid4,
        description="Unique id; deterministic (uuid5) where a retry could emit the same fact twice.",
    )
    event_type: str = Field(min_length=1, description="The topic name the event belongs to.")
    event_timestamp: AwareDatetime = Field(
        default_factory=utc_now, description="When the fact happened, timezone-aware."
    )
    source_service: str = Field(min_length=1, description='The producing service, e.g. "cj_assessment_service".')
    schema_version: int = Field(default=1, ge=1, description="Version of the payload schema within its topic.")
    correlation_id: uuid.UUID = Field(
        description="Carried from the first HTTP request through every event and log line."
    )
    data: T
    metadata: dict[str, str] = Field(default_factory=dict, description="Optional: trace context, partition key.")

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> EventEnvelope[T]:
        """Parse a Kafka message value; raises ``pydantic.ValidationError`` on anything malformed."""
        return cls.model_validate_json(raw)

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        return [
            (HEADER_EVENT_ID, str(self.event_id).encode()),
            (HEADER_EVENT_TYPE, self.event_type.encode()),
            (HEADER_CORRELATION_ID, str(self.correlation_id).encode()),
        ]


def headers_to_dict(headers: Iterable[tuple[str, bytes | None]] | None) -> dict[str, str]:
    """Kafka headers as ``{name: text}``; undecodable or empty values become ``""``."""
    result: dict[str, str] = {}
    for name, value in headers or ():
        try:
            result[name] = value.decode("utf-8") if value is not None else ""
        except UnicodeDecodeError:
            result[name] = ""
    return result


def event_id_from_headers(headers: Iterable[tuple[str, bytes | None]] | None) -> uuid.UUID | None:
    raw = headers_to_dict(headers).get(HEADER_EVENT_ID, "")
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None
