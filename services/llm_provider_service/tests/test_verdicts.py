"""Tolerant verdict parsing; an unparseable answer is INVALID_RESPONSE and never defaults to "A"."""

import json

import pytest

from llm_provider_service.domain.failures import FailureCode, ProviderError
from llm_provider_service.domain.verdicts import Verdict, parse_bundle, parse_verdict, truncate_at_word


def test_plain_json_is_parsed():
    assert parse_verdict('{"winner": "B", "confidence": 4, "justification": "Clearer."}', 600) == Verdict(
        "B", 4, "Clearer."
    )


def test_fenced_json_with_surrounding_text_and_whitespace_is_parsed():
    text = 'Here you go:\n\n```json\n  {"winner": "a", "confidence": "3", "justification": "x"}\n```\n  '
    assert parse_verdict(text, 600) == Verdict("A", 3, "x")


def test_essay_prefixed_winner_is_accepted():
    assert parse_verdict('{"winner": "Essay B", "confidence": 5, "justification": ""}', 600).winner == "B"


@pytest.mark.parametrize(
    "answer",
    [
        '{"confidence": 3, "justification": "no winner"}',
        '{"winner": "A or B", "confidence": 3}',
        '{"winner": "tie", "confidence": 3}',
        '{"winner": null, "confidence": 3}',
        '{"winner": "", "confidence": 3}',
        "Essay A is clearly better.",
        "",
        '{"winner": "A", "confidence": 9}',
        '{"winner": "A"}',
    ],
)
def test_missing_or_ambiguous_answers_are_invalid_and_never_default_to_a(answer):
    with pytest.raises(ProviderError) as caught:
        parse_verdict(answer, 600)
    assert caught.value.code is FailureCode.INVALID_RESPONSE
    assert caught.value.retryable


def test_a_long_justification_is_truncated_at_a_word_boundary_not_rejected():
    long = "word " * 300
    verdict = parse_verdict(json.dumps({"winner": "A", "confidence": 2, "justification": long}), 50)
    assert len(verdict.justification) <= 50
    assert verdict.justification.endswith("…")
    assert verdict.justification[:-1].split(" ")[-1] == "word"


def test_truncation_keeps_short_text_and_never_cuts_inside_a_word():
    assert truncate_at_word("short text", 50) == "short text"
    cut = truncate_at_word("alpha beta gamma delta", 15)
    assert cut == "alpha beta…"


def test_a_bundle_is_judged_item_by_item():
    answer = json.dumps(
        {
            "verdicts": [
                {"pair": 1, "winner": "A", "confidence": 4, "justification": "a"},
                {"pair": 2, "winner": "maybe", "confidence": 2, "justification": "b"},
                {"pair": 4, "winner": "B", "confidence": 3, "justification": "d"},
            ]
        }
    )
    results = parse_bundle(f"```json\n{answer}\n```", 4, 600)
    assert results[1] == Verdict("A", 4, "a")
    assert results[4] == Verdict("B", 3, "d")
    for bad in (2, 3):  # invalid and missing: each fails alone
        failure = results[bad]
        assert isinstance(failure, ProviderError)
        assert failure.code is FailureCode.INVALID_RESPONSE


def test_a_bare_array_is_accepted_and_conflicting_duplicates_are_ambiguous():
    answer = json.dumps(
        [
            {"pair": 1, "winner": "A", "confidence": 4, "justification": ""},
            {"pair": 1, "winner": "B", "confidence": 4, "justification": ""},
            {"pair": 2, "winner": "B", "confidence": 1, "justification": ""},
        ]
    )
    results = parse_bundle(answer, 2, 600)
    assert isinstance(results[1], ProviderError)
    assert results[2] == Verdict("B", 1, "")


def test_an_unparseable_bundle_fails_every_item_as_invalid():
    results = parse_bundle("I cannot answer that.", 3, 600)
    assert all(isinstance(r, ProviderError) and r.code is FailureCode.INVALID_RESPONSE for r in results.values())
