"""The DLQ tool's rules, without a broker: which topic, which letters, where they go, what is deleted."""

from __future__ import annotations

import pytest

from common_core.topics import Topic
from scripts.dlq.letters import (
    DeadLetter,
    DlqToolError,
    check_replayable,
    chosen,
    describe,
    dlq_topic_name,
    format_offsets,
    parse_offsets,
    reason_counts,
)

SOURCE = Topic.BATCH_UPDATED.value


def letter(offset: int, reason: str, source: str = SOURCE, error_type: str = "ValueError") -> DeadLetter:
    headers = [
        ("trace", b"t-1"),
        ("dlq_reason", reason.encode()),
        ("dlq_error", b"boom\nsecond line"),
        ("dlq_error_type", error_type.encode()),
        ("dlq_source_topic", source.encode()),
        ("dlq_consumer", b"result_aggregator_service"),
    ]
    return DeadLetter(partition=offset % 2, offset=offset, key=b"k", value=b"{}", headers=headers)


def test_a_topic_or_its_twin_names_the_registry_dlq():
    assert dlq_topic_name(SOURCE) == SOURCE + ".dlq"
    assert dlq_topic_name(SOURCE + ".dlq") == SOURCE + ".dlq"


@pytest.mark.parametrize("name", ["huleedu.nope.v1", "huleedu.nope.v1.dlq", "", "__consumer_offsets"])
def test_a_topic_outside_the_registry_is_refused_with_the_known_ones(name: str):
    with pytest.raises(DlqToolError, match="not a topic of the registry") as caught:
        dlq_topic_name(name)
    assert SOURCE in str(caught.value)


def test_replay_headers_are_the_original_ones_without_the_dead_letter_headers():
    assert letter(0, "handler_error").replay_headers() == [("trace", b"t-1")]


def test_letters_are_chosen_by_reason_or_all_when_no_reason_is_named():
    letters = [letter(0, "handler_error"), letter(1, "unparseable"), letter(2, "handler_error")]
    assert [x.offset for x in chosen(letters, ["handler_error"])] == [0, 2]
    assert [x.offset for x in chosen(letters, [])] == [0, 1, 2]
    assert chosen(letters, ["wrong_event_type"]) == []


def test_a_letter_from_another_topic_is_not_replayed_into_this_one():
    check_replayable([letter(0, "handler_error")], SOURCE + ".dlq")
    with pytest.raises(DlqToolError, match="came from"):
        check_replayable([letter(1, "handler_error", source=Topic.BATCH_DELETED.value)], SOURCE + ".dlq")
    with pytest.raises(DlqToolError, match="nowhere"):
        check_replayable([DeadLetter(0, 3, None, None, [])], SOURCE + ".dlq")


def test_offsets_round_trip_and_bad_ones_say_the_expected_form():
    assert parse_offsets("0:12, 2:5") == {0: 12, 2: 5}
    assert format_offsets({2: 5, 0: 12}) == "0:12,2:5"
    for bad in ["", "0", "a:1", "0:-1", "0:1,x"]:
        with pytest.raises(DlqToolError):
            parse_offsets(bad)


def test_counts_group_by_reason_and_error_type_most_first():
    letters = [letter(0, "unparseable", error_type="-"), letter(1, "handler_error"), letter(2, "handler_error")]
    assert reason_counts(letters) == [("handler_error", "ValueError", 2), ("unparseable", "-", 1)]


def test_a_letter_is_described_on_two_lines_with_its_error_cut():
    text = describe(letter(4, "handler_error"), width=8)
    first, second = text.split("\n")
    assert first.startswith("0:4  key=k  handler_error  consumer=result_aggregator_service")
    assert second.strip() == "boom se…"
