import uuid
from datetime import datetime

import pytest
from pydantic import BaseModel, ValidationError

from common_core.envelope import (
    HEADER_CORRELATION_ID,
    HEADER_EVENT_ID,
    HEADER_EVENT_TYPE,
    EventEnvelope,
    deterministic_event_id,
    event_id_from_headers,
    headers_to_dict,
)


class Ping(BaseModel):
    n: int


def _envelope(**overrides: object) -> EventEnvelope[Ping]:
    fields: dict[str, object] = {
        "event_type": "huleedu.test.ping.v1",
        "source_service": "test_service",
        "correlation_id": uuid.uuid4(),
        "data": Ping(n=1),
    }
    fields.update(overrides)
    return EventEnvelope[Ping].model_validate(fields)


def test_bytes_round_trip_keeps_every_field():
    env = _envelope(metadata={"partition_key": "b1"})
    parsed = EventEnvelope[Ping].from_bytes(env.to_bytes())
    assert parsed == env
    assert parsed.data.n == 1
    assert parsed.event_timestamp.tzinfo is not None


def test_headers_repeat_id_type_and_correlation():
    env = _envelope()
    headers = headers_to_dict(env.kafka_headers())
    assert headers == {
        HEADER_EVENT_ID: str(env.event_id),
        HEADER_EVENT_TYPE: "huleedu.test.ping.v1",
        HEADER_CORRELATION_ID: str(env.correlation_id),
    }
    assert event_id_from_headers(env.kafka_headers()) == env.event_id


def test_bad_headers_do_not_raise():
    assert event_id_from_headers([(HEADER_EVENT_ID, b"not-a-uuid")]) is None
    assert event_id_from_headers(None) is None
    assert headers_to_dict([("x", b"\xff\xfe"), ("y", None)]) == {"x": "", "y": ""}


def test_naive_timestamp_is_rejected():
    with pytest.raises(ValidationError, match="timezone"):
        _envelope(event_timestamp=datetime(2026, 1, 1, 12, 0))


def test_garbage_and_wrong_payload_raise_validation_errors():
    with pytest.raises(ValidationError):
        EventEnvelope[Ping].from_bytes(b"\x00not json")
    bad = _envelope().model_dump(mode="json")
    bad["data"] = {"n": "many"}
    with pytest.raises(ValidationError):
        EventEnvelope[Ping].model_validate(bad)


def test_unknown_fields_from_a_newer_producer_are_ignored():
    raw = _envelope().model_dump(mode="json")
    raw["added_later"] = "x"
    raw["data"]["also_new"] = 5
    assert EventEnvelope[Ping].model_validate(raw).data.n == 1


def test_deterministic_event_id_is_stable_and_key_sensitive():
    job = uuid.uuid4()
    assert deterministic_event_id("cj.completed", job) == deterministic_event_id("cj.completed", job)
    assert deterministic_event_id("cj.completed", job) != deterministic_event_id("cj.failed", job)
    # Parts are joined with a separator, so ("ab", "c") and ("a", "bc") differ.
    assert deterministic_event_id("ab", "c") != deterministic_event_id("a", "bc")
    assert deterministic_event_id("x").version == 5
    with pytest.raises(ValueError, match="at least one"):
        deterministic_event_id()
