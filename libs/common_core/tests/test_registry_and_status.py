import pytest
from pydantic import BaseModel

from common_core.events.catalog import EVENTS
from common_core.events.llm_provider import LLMComparisonResultV1
from common_core.events.registry import DuplicateRegistrationError, EventRegistry, UnknownEventError
from common_core.status import BatchStatus, CJJobState, batch_status_for_job_state
from common_core.topics import Topic, dlq_topic


class A(BaseModel):
    x: int


class B(BaseModel):
    y: int


def test_every_topic_has_exactly_one_payload_model():
    assert {topic for topic, _ in EVENTS} == {t.value for t in Topic}
    models = [model for _, model in EVENTS]
    assert len(models) == len(set(models))


def test_lookup_works_in_both_directions():
    assert EVENTS.topic_for(LLMComparisonResultV1) == Topic.LLM_COMPARISON_RESULT
    assert EVENTS.model_for(Topic.LLM_COMPARISON_RESULT) is LLMComparisonResultV1
    assert EVENTS.model_for("huleedu.llm_provider.comparison_result.v1") is LLMComparisonResultV1


def test_registering_a_topic_or_model_twice_is_an_error():
    registry = EventRegistry()
    registry.register("huleedu.test.a.v1", A)
    with pytest.raises(DuplicateRegistrationError, match="already registered"):
        registry.register("huleedu.test.a.v1", B)
    with pytest.raises(DuplicateRegistrationError, match="already registered"):
        registry.register("huleedu.test.other.v1", A)
    assert len(registry) == 1


def test_dead_letter_topics_are_derived_not_registered():
    registry = EventRegistry()
    with pytest.raises(ValueError, match="dead-letter"):
        registry.register(dlq_topic(Topic.BATCH_REGISTERED), A)


def test_unknown_lookups_say_what_is_missing():
    with pytest.raises(UnknownEventError, match="A is not a registered"):
        EVENTS.topic_for(A)
    with pytest.raises(UnknownEventError, match="no payload model"):
        EVENTS.model_for("huleedu.nope.v1")


def test_every_job_state_maps_to_one_batch_status():
    mapped = {state: batch_status_for_job_state(state) for state in CJJobState}
    assert mapped[CJJobState.COMPLETED] is BatchStatus.COMPLETED
    assert mapped[CJJobState.FAILED] is BatchStatus.FAILED
    assert mapped[CJJobState.COMPARING] is BatchStatus.ASSESSING
    # Nothing collapses into a status earlier than the one the job has reached.
    assert mapped[CJJobState.CREATED] is BatchStatus.ASSESSMENT_REQUESTED
