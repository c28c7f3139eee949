import uuid
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel

from common_core.envelope import deterministic_event_id
from common_core.events.batch import BatchRegisteredV1
from common_core.events.registry import UnknownEventError
from common_core.topics import Topic
from huleedu_service_libs.correlation import correlation_scope
from huleedu_service_libs.envelopes import make_envelope

PAYLOAD = BatchRegisteredV1(
    batch_id=uuid.uuid4(), user_id="t1", title="Essays", course_code="ENG5", created_at=datetime.now(UTC)
)


def test_topic_comes_from_the_registry_and_correlation_from_the_context():
    cid = uuid.uuid4()
    with correlation_scope(cid):
        envelope = make_envelope(PAYLOAD, source_service="content_service")
    assert envelope.event_type == Topic.BATCH_REGISTERED
    assert envelope.correlation_id == cid
    assert envelope.data == PAYLOAD


def test_work_that_starts_here_gets_a_new_correlation_id():
    first = make_envelope(PAYLOAD, source_service="content_service")
    second = make_envelope(PAYLOAD, source_service="content_service")
    assert first.correlation_id != second.correlation_id


def test_deterministic_event_id_is_kept():
    event_id = deterministic_event_id("batch.registered", PAYLOAD.batch_id)
    assert make_envelope(PAYLOAD, source_service="content_service", event_id=event_id).event_id == event_id


class NotAnEvent(BaseModel):
    x: int


def test_an_unregistered_payload_is_refused():
    with pytest.raises(UnknownEventError):
        make_envelope(NotAnEvent(x=1), source_service="x")


def test_the_envelope_is_typed_with_the_payload_class():
    raw = make_envelope(PAYLOAD, source_service="content_service").to_bytes()
    assert b'"course_code":"ENG5"' in raw
