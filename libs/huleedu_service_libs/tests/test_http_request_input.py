"""Hostile request input becomes a ValidationFailedError naming what is wrong, never a crash."""

from __future__ import annotations

import json

import pytest

from huleedu_service_libs.errors import ValidationFailedError
from huleedu_service_libs.http.request_input import (
    MAX_JSON_DEPTH,
    check_query,
    parse_json_body,
    query_int,
    quote,
    unstorable_reason,
)


def rejected(raw: bytes) -> ValidationFailedError:
    with pytest.raises(ValidationFailedError) as caught:
        parse_json_body(raw)
    return caught.value


def test_a_plain_object_parses():
    assert parse_json_body(b'{"title": "Essays", "n": [1, 2.5, null, true]}') == {
        "title": "Essays",
        "n": [1, 2.5, None, True],
    }


def test_a_utf8_bom_is_accepted():
    assert parse_json_body(b'\xef\xbb\xbf{"a": "\xc3\xa5"}') == {"a": "å"}


def test_invalid_utf8_names_the_byte():
    error = rejected(b'{"title": "caf\xe9"}')
    assert "not valid UTF-8" in error.message
    assert error.details == {"byte_offset": 14}


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5_000, 200_000])
def test_deep_nesting_is_refused_at_any_depth(depth: int):
    error = rejected(b"[" * depth + b"]" * depth)
    assert "nested too deeply" in error.message


def test_nesting_up_to_the_limit_is_fine():
    depth = MAX_JSON_DEPTH
    assert parse_json_body(b"[" * depth + b"]" * depth) is not None


def test_deep_objects_are_refused_too():
    raw = '{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1)
    assert "nested too deeply" in rejected(raw.encode()).message


@pytest.mark.parametrize("raw", [b"NaN", b'{"x": Infinity}', b'{"x": -Infinity}'])
def test_non_json_numbers_are_refused(raw: bytes):
    assert "not valid JSON" in rejected(raw).message


@pytest.mark.parametrize("raw", [b'{"x": 1e400}', b'{"x": [-1e999]}'])
def test_numbers_that_overflow_to_infinity_are_refused(raw: bytes):
    assert "not a finite number" in rejected(raw).message


def test_an_integer_of_ten_thousand_digits_is_a_400_not_a_crash():
    assert "not valid JSON" in rejected(b'{"n": ' + b"9" * 10_000 + b"}").message


@pytest.mark.parametrize("raw", [b"", b"   ", b"{", b'{"a": }', b"\x00"])
def test_empty_and_broken_bodies_are_refused(raw: bytes):
    rejected(raw)


def test_nul_in_a_nested_value_names_its_path():
    error = rejected(json.dumps({"students": [{"name": "ok"}, {"name": "Ann\u0000a"}]}).encode())
    assert error.details == {"field": "students.1.name"}
    assert "NUL" in error.message


def test_nul_in_a_key_is_refused():
    error = rejected(json.dumps({"ti\u0000tle": "x"}).encode())
    assert "a key" in error.message


def test_a_lone_surrogate_is_refused():
    error = rejected(b'{"title": "\\ud800"}')
    assert error.details == {"field": "title"}
    assert "surrogate" in error.message


def test_a_surrogate_pair_is_ordinary_text():
    assert parse_json_body(b'{"t": "\\ud83d\\ude00"}') == {"t": "\U0001f600"}


def test_unstorable_reason():
    assert unstorable_reason("Åsa Öberg") is None
    assert unstorable_reason("a\x00b") is not None


def test_query_values_and_names_are_checked():
    check_query([("q", "Åsa"), ("status", "draft")])
    with pytest.raises(ValidationFailedError) as caught:
        check_query([("status", "draft"), ("status", "dr\x00aft")])
    assert caught.value.details == {"field": "status"}
    with pytest.raises(ValidationFailedError):
        check_query([("q\x00", "x")])


@pytest.mark.parametrize(("raw", "expected"), [(None, 20), ("", 20), ("0", 0), ("1000000", 1_000_000), (" 7", 7)])
def test_query_int_within_bounds(raw: str | None, expected: int):
    args = {} if raw is None else {"offset": raw}
    assert query_int(args, "offset", 20, minimum=0, maximum=1_000_000) == expected


@pytest.mark.parametrize("raw", ["-1", "1000001", "9223372036854775808", "1e3", "ten", "9" * 100_000])
def test_query_int_outside_bounds_is_a_400_quoting_a_prefix(raw: str):
    with pytest.raises(ValidationFailedError) as caught:
        query_int({"offset": raw}, "offset", 0, minimum=0, maximum=1_000_000)
    assert caught.value.details["field"] == "offset"
    assert len(caught.value.details["value"]) < 50
    assert "from 0 to 1000000" in caught.value.message


def test_quote_is_short_and_printable():
    assert quote("x" * 1_000_000) == repr("x" * 40 + "…")
    assert "\x00" not in quote("a\x00b")
