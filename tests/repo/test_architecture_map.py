"""The architecture page's Mermaid map names every topic of the event registry, so it cannot drift."""

import re

from common_core.events.catalog import EVENTS
from common_core.topics import Topic
from scripts.devstack.settings import REPO_ROOT

ARCHITECTURE = REPO_ROOT / "docs" / "architecture.md"


def _mermaid_blocks() -> str:
    return "\n".join(re.findall(r"```mermaid\n(.*?)```", ARCHITECTURE.read_text(), flags=re.S))


def test_the_map_names_every_registered_topic():
    diagram = _mermaid_blocks()
    assert diagram, "docs/architecture.md has no mermaid diagram"
    missing = sorted(topic.value for topic in Topic if topic.value not in diagram)
    assert missing == [], f"topics missing from the map in docs/architecture.md: {missing}"


def test_every_topic_on_the_map_is_registered():
    named = set(re.findall(r"huleedu\.[a-z_.]+\.v\d+", _mermaid_blocks()))
    registered = {topic.value for topic in Topic}
    assert named - registered == set(), "the map names topics the registry does not have"
    assert registered == {topic for topic, _ in EVENTS}, "a topic without a payload in the event registry"
