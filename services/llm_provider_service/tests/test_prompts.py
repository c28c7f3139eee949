"""Prompts use neutral labels only and put the shared context first."""

from typing import Any

from llm_provider_service.domain.prompts import (
    BUNDLE_TEMPLATE_VERSION,
    PAIR_TEMPLATE_VERSION,
    render_bundle,
    render_pair,
)
from llm_provider_service.domain.work import SharedContext

CONTEXT = SharedContext(instructions="Judge the argument.", rubric="Clarity, evidence.", student_prompt="Uniforms?")


def test_a_pair_prompt_has_neutral_labels_and_the_context_first():
    prompt = render_pair(CONTEXT, "First text.", "Second text.", max_chars=600)
    assert prompt.version == PAIR_TEMPLATE_VERSION
    text = prompt.full_text()
    assert text.index("Judge the argument.") < text.index("Essay A") < text.index("Essay B")
    assert "First text." in prompt.task
    assert "Second text." in prompt.task
    assert "Judge the argument." not in prompt.task  # the cacheable prefix holds the context
    assert "600" in prompt.system


def test_a_bundle_numbers_pairs_and_shows_each_text_once():
    pairs = [("t1", "t2"), ("t2", "t3"), ("t1", "t3")]
    prompt = render_bundle(CONTEXT, pairs, max_chars=300)
    assert prompt.version == BUNDLE_TEMPLATE_VERSION
    for text in ("t1", "t2", "t3"):
        assert prompt.task.count(f"<<<\n{text}\n>>>") == 1
    assert "Pair 1: A = Essay 1, B = Essay 2" in prompt.task
    assert "Pair 2: A = Essay 2, B = Essay 3" in prompt.task
    assert "Pair 3: A = Essay 1, B = Essay 3" in prompt.task
    schema: Any = prompt.response_schema  # JSON: nested values are read as the provider would
    assert schema["properties"]["verdicts"]["type"] == "array"


def test_the_context_is_identical_across_calls_so_providers_can_cache_it():
    one = render_pair(CONTEXT, "x", "y", max_chars=600)
    two = render_pair(CONTEXT, "z", "w", max_chars=600)
    assert one.prefix == two.prefix
