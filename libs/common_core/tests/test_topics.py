import re

from common_core.topics import DLQ_SUFFIX, Topic, all_topic_names, dlq_topic

TOPIC_NAME = re.compile(r"^huleedu(\.[a-z_]+){2,3}\.v[1-9][0-9]*$")


def test_every_topic_follows_the_naming_convention():
    bad = [topic.value for topic in Topic if not TOPIC_NAME.match(topic.value)]
    assert bad == []


def test_no_topic_name_is_registered_twice():
    # An Enum silently turns a repeated value into an alias that iteration hides; __members__ still shows it.
    assert len(Topic.__members__) == len(list(Topic))


def test_dlq_name_is_derived_from_the_topic():
    assert dlq_topic(Topic.ESSAY_UPLOADED) == "huleedu.essay.uploaded.v1.dlq"
    assert DLQ_SUFFIX == ".dlq"


def test_all_topic_names_lists_each_topic_and_its_dlq_once():
    names = all_topic_names()
    assert len(names) == 2 * len(Topic) == len(set(names))
    for topic in Topic:
        assert topic.value in names
        assert dlq_topic(topic) in names


def test_architecture_topics_are_registered():
    expected = {
        "huleedu.batch.registered.v1",
        "huleedu.essay.uploaded.v1",
        "huleedu.cj_assessment.requested.v1",
        "huleedu.llm_provider.comparison_result.v1",
        "huleedu.cj_assessment.progress.v1",
        "huleedu.cj_assessment.completed.v1",
        "huleedu.assessment.result.published.v1",
        "huleedu.cj_assessment.failed.v1",
    }
    assert expected <= {topic.value for topic in Topic}
