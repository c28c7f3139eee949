"""Which failures are retried and which are dead-lettered, and what a dead letter carries."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel

from common_core.envelope import EventEnvelope
from huleedu_service_libs.errors import (
    DependencyTimeoutError,
    ExternalServiceError,
    NotFoundError,
    RateLimitedError,
    ServiceUnavailableError,
    ValidationFailedError,
)
from huleedu_service_libs.kafka.dead_letter import (
    MAX_ERROR_CHARS,
    PoisonRecordError,
    dead_letter_headers,
    dead_letter_topic,
    failure_kind,
    loggable,
    parse_envelope,
)

TOPIC = "huleedu.test.ping.v1"


class Ping(BaseModel):
    n: int


def ping_bytes(event_type: str = TOPIC, n: object = 1) -> bytes:
    envelope = EventEnvelope[Ping](
        event_type=event_type, source_service="s", correlation_id=uuid.uuid4(), data=Ping(n=1)
    )
    raw = json.loads(envelope.to_bytes())
    raw["data"]["n"] = n
    return json.dumps(raw).encode()


@pytest.mark.parametrize(
    "error",
    [
        ExternalServiceError("502"),
        ServiceUnavailableError("503"),
        DependencyTimeoutError("504"),
        RateLimitedError("429"),
        TimeoutError(),
        ConnectionResetError(),
    ],
)
def test_transient_failures_are_retried(error: Exception):
    assert failure_kind(error) == "retryable"


@pytest.mark.parametrize(
    "error",
    [ValueError("bad"), KeyError("x"), NotFoundError("no such batch"), ValidationFailedError("bad"), AttributeError()],
)
def test_permanent_failures_are_dead_lettered(error: Exception):
    assert failure_kind(error) == "permanent"


def test_a_poison_record_is_dead_lettered_as_poison():
    assert failure_kind(PoisonRecordError("unparseable", "not json")) == "poison"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "unparseable"),
        (b"\x00\xff garbage", "unparseable"),
        (b"[1, 2]", "unparseable"),
        (b'{"event_type": "x"}', "unparseable"),
        (ping_bytes(n="not a number"), "invalid_payload"),
        (ping_bytes(event_type="huleedu.other.v1"), "wrong_event_type"),
    ],
)
def test_records_that_can_never_be_handled_are_poison(value: bytes | None, reason: str):
    with pytest.raises(PoisonRecordError) as caught:
        parse_envelope(EventEnvelope[Ping], TOPIC, value)
    assert caught.value.reason == reason


def test_a_sound_record_parses_into_its_payload_model():
    envelope = parse_envelope(EventEnvelope[Ping], TOPIC, ping_bytes(n=5))
    assert envelope.data == Ping(n=5)


def test_dead_letter_headers_keep_the_originals_and_describe_the_failure():
    failed_at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    original = [("event_id", b"e1"), ("dlq_reason", b"from an earlier trip"), ("empty", None)]
    try:
        parse_envelope(EventEnvelope[Ping], TOPIC, b"nope")
    except PoisonRecordError as exc:
        error = exc
    headers = dead_letter_headers(
        original, error, topic=TOPIC, partition=2, offset=41, consumer="ras", failed_at=failed_at
    )
    as_dict = dict(headers)
    assert headers[:2] == [("event_id", b"e1"), ("empty", b"")]
    assert [name for name, _ in headers].count("dlq_reason") == 1
    assert as_dict["dlq_reason"] == b"unparseable"
    assert as_dict["dlq_error_type"] == b"ValidationError"
    assert as_dict["dlq_error"].startswith(b"ValidationError: ")
    assert as_dict["dlq_source_topic"] == TOPIC.encode()
    assert (as_dict["dlq_source_partition"], as_dict["dlq_source_offset"]) == (b"2", b"41")
    assert as_dict["dlq_consumer"] == b"ras"
    assert as_dict["dlq_failed_at"] == failed_at.isoformat().encode()


def test_a_long_error_is_truncated_and_a_handler_error_named_by_its_class():
    headers = dict(
        dead_letter_headers(
            [],
            NotFoundError("x" * 10_000),
            topic=TOPIC,
            partition=0,
            offset=0,
            consumer="c",
            failed_at=datetime.now(UTC),
        )
    )
    assert len(headers["dlq_error"]) == MAX_ERROR_CHARS
    assert headers["dlq_error"].endswith(b"...")
    assert (headers["dlq_reason"], headers["dlq_error_type"]) == (b"handler_error", b"NotFoundError")


def test_the_dead_letter_topic_is_the_topic_with_the_dlq_suffix():
    assert dead_letter_topic(TOPIC) == f"{TOPIC}.dlq"


def test_the_log_line_of_an_invalid_payload_names_where_and_why_but_not_the_values():
    """A dead-lettered event may carry a student's name; pydantic's message would quote it into the logs."""
    with pytest.raises(PoisonRecordError) as caught:
        parse_envelope(EventEnvelope[Ping], TOPIC, ping_bytes(n="Anna Svensson wrote this"))
    assert "Anna Svensson" in str(caught.value.__cause__)  # what the log line must not repeat

    line = loggable(caught.value)

    assert "Anna Svensson" not in line
    assert line.startswith("ValidationError: 1 problem(s): ")
    assert "data.n: int_parsing" in line


def test_the_log_line_of_another_failure_is_its_repr():
    assert loggable(ExternalServiceError("502 from the peer")) == repr(ExternalServiceError("502 from the peer"))
